using System.Security.Cryptography;

namespace HomebrewSync.Cli.Tests;

/// <summary>A catalog that lists one formula twice, or carries a huge or wrong-typed entry, through the CLI as its own process.</summary>
public sealed class CatalogSafetyTests
{
    [Fact]
    public async Task Sync_CatalogListsOneBottleTwiceWithAnotherSha_StoresTheFirstEntry_TheHashFileMatchesTheDisk_AndVerifyIsClean()
    {
        var first = new FormulaBuilder("curl").WithVersion("8.2.1").WithBottle("monterey", 5000).Build();
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("monterey", 900).Build();
        var second = new FormulaBuilder("curl").WithVersion("8.2.1").WithBottle("monterey", 7000).Build();
        await using var h = await CliHarness.StartAsync([first, jq, second]);
        var env = h.Environment();

        var sync = await CliProcess.RunAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-21");
        var verify = await CliProcess.RunAsync(env, "verify", "--deep");

        Assert.True(sync.ExitCode == 0, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("warning: curl 8.2.1: the catalog lists curl again; its first entry (curl 8.2.1) is mirrored, this one ignored", sync.Error, StringComparison.Ordinal);
        var blob = first.Bottles["monterey"];
        var path = h.PathOf("2025-07-21/curl-8.2.1.monterey.bottle.tar.gz");
        Assert.Equal(blob.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));
        Assert.Equal(blob.Length, new FileInfo(path).Length);
        using var hash = JsonDocument.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")));
        var entry = hash.RootElement.GetProperty("bottles").GetProperty("curl-8.2.1-monterey");
        Assert.Equal(blob.Sha256, entry.GetProperty("sha256").GetString());
        Assert.Equal(blob.Length, entry.GetProperty("file_size").GetInt64());
        Assert.Equal(2, hash.RootElement.GetProperty("total_bottles").GetInt32());
        Assert.Equal(0, h.Server.BlobGets(second.Bottles["monterey"].Sha256));
        Assert.True(verify.ExitCode == 0, $"exit {verify.ExitCode}: {verify.Out}{verify.Error}");
        Assert.Contains("OK: 2 bottles match the hash file", verify.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_HugeFormulaEntry_IsSkippedWithAWarning_AndTheOthersArePlanned()
    {
        // ~50 MB of caveats and dependencies in one entry; real entries average ~4 KB.
        var huge = new FormulaBuilder("huge").WithBottle("monterey", 800).WithNoise(50 * 1024 * 1024).Build();
        var before = new FormulaBuilder("before").WithBottle("monterey", 800).Build();
        var after = new FormulaBuilder("after").WithBottle("monterey", 800).Build();
        await using var h = await CliHarness.StartAsync([before, huge, after]);

        var plan = await CliProcess.RunAsync(h.Environment(), "plan", "--platform", "monterey", "--json");

        Assert.True(plan.ExitCode == 0, $"exit {plan.ExitCode}: {plan.Error}");
        Assert.Matches(@"warning: catalog entry skipped: entry 2 \(huge\): [0-9,]+ bytes, more than the 1,048,576 one formula may take", plan.Error);
        Assert.Contains("\"bottles\": 2", plan.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("huge-", plan.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_FieldOfTheWrongJsonType_SkipsThatFormulaOnly()
    {
        var curl = new FormulaBuilder("curl").WithBottle("monterey", 800).Build();
        var jq = new FormulaBuilder("jq").WithBottle("monterey", 800).Build();
        await using var h = await CliHarness.StartAsync([curl, jq]);
        var catalog = System.Text.Encoding.UTF8.GetString(CatalogWriter.ToBytes([curl, jq], h.Server.RegistryPort));
        // jq's stable version becomes a number, curl stays as it is.
        var jqAt = catalog.IndexOf("\"name\":\"jq\"", StringComparison.Ordinal);
        var broken = catalog[..jqAt] + catalog[jqAt..].Replace("\"stable\":\"1.0.0\"", "\"stable\":5", StringComparison.Ordinal);
        Assert.NotEqual(catalog, broken);
        h.Server.SetCatalogBody(System.Text.Encoding.UTF8.GetBytes(broken));

        var sync = await CliProcess.RunAsync(h.Environment(), "sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(sync.ExitCode == 0, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("warning: catalog entry skipped: entry 2 (jq): $.versions.stable has the wrong JSON type", sync.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(h.PathOf("2025-07-21/curl-1.0.0.monterey.bottle.tar.gz")));
        Assert.False(File.Exists(h.PathOf("2025-07-21/jq-1.0.0.monterey.bottle.tar.gz")));
    }

    [Fact]
    public async Task Sync_BottleNamesTheKeyGrammarRefuses_AreNotMirrored_AndTheHashFileStaysReadable()
    {
        // A rebuild of five digits, a version ending in '.': names the hash file's grammar refuses. Recorded, they made the
        // hash file corrupt, and every later command (serve's every request too) refused the whole mirror.
        var curl = new FormulaBuilder("curl").WithBottle("monterey", 800).Build();
        var rebuilt = new FormulaBuilder("rebuilt").WithRebuild(10000).WithBottle("monterey", 800).Build();
        var dotty = new FormulaBuilder("dotty").WithVersion("1.0.").WithBottle("monterey", 800).Build();
        await using var h = await CliHarness.StartAsync([curl, rebuilt, dotty]);

        var sync = await CliProcess.RunAsync(h.Environment(), "sync", "--platform", "monterey", "--date", "2025-07-21");
        var again = await CliProcess.RunAsync(h.Environment(), "sync", "--platform", "monterey", "--date", "2025-07-22");
        var verify = await CliProcess.RunAsync(h.Environment(), "verify");

        Assert.True(sync.ExitCode == 0, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("warning: catalog entry skipped: rebuilt: rebuild 10000 is not between 0 and 9999", sync.Error, StringComparison.Ordinal);
        Assert.Contains("warning: catalog entry skipped: dotty: version '1.0.' is not a valid version", sync.Error, StringComparison.Ordinal);
        Assert.Equal(["2025-07-21/curl-1.0.0.monterey.bottle.tar.gz"],
            Directory.GetFiles(h.Store, "*.tar.gz", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(h.Store, f).Replace('\\', '/')));
        Assert.True(again.ExitCode == 0, $"exit {again.ExitCode}: {again.Error}");
        Assert.True(verify.ExitCode == 0, $"exit {verify.ExitCode}: {verify.Out}{verify.Error}");
        Assert.Equal(0, h.Server.BlobGets(rebuilt.Bottles["monterey"].Sha256) + h.Server.BlobGets(dotty.Bottles["monterey"].Sha256));
    }

    [Fact]
    public async Task Sync_TwoBottlesWhoseFileNamesDifferOnlyInCase_MirrorsTheFirstOnly()
    {
        // foo-2 at version x and foo at version 2-X: foo-2-x.monterey.bottle.tar.gz and foo-2-X.monterey.bottle.tar.gz, one file
        // where case is ignored (a Mac's APFS). Both listed, the second overwrote the first, and a later prune of one removed the other's bytes.
        var first = new FormulaBuilder("foo-2").WithVersion("x").WithBottle("monterey", 800).Build();
        var second = new FormulaBuilder("foo").WithVersion("2-X").WithBottle("monterey", 900).Build();
        await using var h = await CliHarness.StartAsync([first, second]);

        var sync = await CliProcess.RunAsync(h.Environment(), "sync", "--platform", "monterey", "--date", "2025-07-21", "--no-api");
        var verify = await CliProcess.RunAsync(h.Environment(), "verify");

        Assert.True(sync.ExitCode == 0, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("foo 2-X (monterey): its bottle foo-2-X.monterey.bottle.tar.gz has the key or file name of foo-2 x's", sync.Error, StringComparison.Ordinal);
        Assert.Equal(["foo-2-x.monterey.bottle.tar.gz"], Directory.GetFiles(h.PathOf("2025-07-21")).Select(Path.GetFileName));
        using var hash = JsonDocument.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")));
        Assert.Equal(["foo-2-x-monterey"], hash.RootElement.GetProperty("bottles").EnumerateObject().Select(p => p.Name));
        Assert.True(verify.ExitCode == 0, $"exit {verify.ExitCode}: {verify.Out}{verify.Error}");
    }
}
