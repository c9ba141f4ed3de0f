using System.Security.Cryptography;

namespace HomebrewSync.Cli.Tests;

public sealed class SyncEndToEndTests
{
    private static readonly string[] Tags = ["arm64_sonoma", "arm64_ventura", "monterey"];

    [Fact]
    public async Task Sync_FirstRun_StoresEveryBottleVerifiedWithHashFile()
    {
        var curl = new FormulaBuilder("curl").WithVersion("8.2.1").WithBottles(Tags, 5000).Build();
        var python = new FormulaBuilder("python@3.11").WithVersion("3.11.4", revision: 1).WithRebuild(2).WithBottles(Tags, 7000).Build();
        await using var h = await CliHarness.StartAsync([curl, python]);

        var run = await h.RunAsync("sync", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        foreach (var tag in Tags)
        {
            var curlFile = h.PathOf($"2025-07-21/curl-8.2.1.{tag}.bottle.tar.gz");
            Assert.Equal(curl.Bottles[tag].Sha256, Sha256Of(curlFile));
            var pyFile = h.PathOf($"2025-07-21/python@3.11-3.11.4_1.{tag}.bottle.2.tar.gz");
            Assert.Equal(python.Bottles[tag].Sha256, Sha256Of(pyFile));
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(h.PathOf("bottles_hash.json")));
        var root = doc.RootElement;
        Assert.Equal(6, root.GetProperty("total_bottles").GetInt32());
        Assert.Equal(3 * 5000 + 3 * 7000, root.GetProperty("total_size_bytes").GetInt64());
        var entry = root.GetProperty("bottles").GetProperty("curl-8.2.1-arm64_sonoma");
        Assert.Equal(curl.Bottles["arm64_sonoma"].Sha256, entry.GetProperty("sha256").GetString());
        Assert.Equal("2025-07-21/curl-8.2.1.arm64_sonoma.bottle.tar.gz", entry.GetProperty("s3_key").GetString());
        Assert.Equal("2025-07-21", entry.GetProperty("download_date").GetString());
        Assert.Equal(0, h.Server.AuthorizationLeaks);
    }

    [Fact]
    public async Task Sync_TwoRunsAtOnce_OneWriteIsRefusedAndRetried_AndTheHashFileHoldsTheUnionOfBoth()
    {
        var formulae = Enumerable.Range(0, 12).Select(i => new FormulaBuilder($"f{i:00}").WithBottle("monterey", 2000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        // Both runs read the (absent) hash file before either writes it: the store's versioned write must refuse one.
        h.Server.HoldBlobsUntil(2);

        var runs = await ConcurrentRuns.RunBothAsync(h.Environment(), formulae);

        ConcurrentRuns.AssertConflictRefusedAndNothingLost(runs, formulae, File.ReadAllBytes(h.PathOf("bottles_hash.json")));
        Assert.All(formulae, f => Assert.True(File.Exists(h.PathOf($"2025-07-21/{f.Name}-{f.Version}.monterey.bottle.tar.gz"))));
    }

    [Fact]
    public async Task Sync_SecondRun_TransfersNothing()
    {
        var formulae = Enumerable.Range(0, 5).Select(i => new FormulaBuilder($"tool{i}").WithBottles(Tags, 3000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        Assert.Equal(0, (await h.RunAsync("sync")).ExitCode);
        var served = h.Server.BytesServed;

        var second = await h.RunAsync("sync", "--json");

        Assert.Equal(0, second.ExitCode);
        Assert.Equal(served, h.Server.BytesServed);
        using var doc = JsonDocument.Parse(second.Out);
        Assert.Equal(0, doc.RootElement.GetProperty("stored").GetInt32());
        Assert.Equal(15, doc.RootElement.GetProperty("skipped").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("bytes_transferred").GetInt64());
    }

    [Fact]
    public async Task Sync_ChangedSha_DownloadsOnlyTheChangedBottle()
    {
        var stable = new FormulaBuilder("stable").WithBottles(Tags).Build();
        var changing = new FormulaBuilder("changing").WithBottles(Tags).Build();
        await using var h = await CliHarness.StartAsync([stable, changing]);
        var first = await h.RunAsync("sync", "--date", "2025-07-14");
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}: {first.Error}");
        var rebuilt = new FormulaBuilder("changing").WithBottles(Tags).WithBottle("monterey", 9000).Build();
        h.Server.SetFormulae([stable, rebuilt]);

        var run = await h.RunAsync("sync", "--date", "2025-07-21", "--json");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(3, doc.RootElement.GetProperty("stored").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("skipped").GetInt32());
        Assert.Equal(rebuilt.Bottles["monterey"].Sha256, Sha256Of(h.PathOf("2025-07-21/changing-1.0.0.monterey.bottle.tar.gz")));
        Assert.Equal(1, h.Server.BlobGets(stable.Bottles["monterey"].Sha256));
    }

    [Fact]
    public async Task Sync_ShaChangedOnTheDayItsBottleWasStored_KeepsTheListedBottle_AndFetchesTheNewOneOnALaterDate()
    {
        var changing = new FormulaBuilder("changing").WithBottle("monterey", 4000).Build();
        await using var h = await CliHarness.StartAsync([changing]);
        var first = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-21");
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}: {first.Error}");
        var rebuilt = new FormulaBuilder("changing").WithBottle("monterey", 9000).Build();
        h.Server.SetFormulae([rebuilt]);
        var file = h.PathOf("2025-07-21/changing-1.0.0.monterey.bottle.tar.gz");

        // The same day: the listed bottle's own object would be replaced in place, so it is not.
        var sameDay = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(sameDay.ExitCode == 0, $"exit {sameDay.ExitCode}: {sameDay.Error}");
        Assert.Contains("changing 1.0.0 (monterey): its sha256 changed, but the bottle the hash file lists is 2025-07-21/changing-1.0.0.monterey.bottle.tar.gz",
            sameDay.Out + sameDay.Error, StringComparison.Ordinal);
        Assert.Equal(changing.Bottles["monterey"].Sha256, Sha256Of(file));
        Assert.Equal(changing.Bottles["monterey"].Sha256, ListedSha(h, "changing-1.0.0-monterey"));
        Assert.Equal(0, h.Server.BlobGets(rebuilt.Bottles["monterey"].Sha256));

        var nextDay = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-22");

        Assert.True(nextDay.ExitCode == 0, $"exit {nextDay.ExitCode}: {nextDay.Error}");
        Assert.Equal(rebuilt.Bottles["monterey"].Sha256, Sha256Of(h.PathOf("2025-07-22/changing-1.0.0.monterey.bottle.tar.gz")));
        Assert.Equal(rebuilt.Bottles["monterey"].Sha256, ListedSha(h, "changing-1.0.0-monterey"));
    }

    [Fact]
    public async Task Sync_AnObjectAtTheKeyThatNoEntryListsThere_IsNotWrittenOver_AListedOnesDamagedCopyIsRepairedByForce()
    {
        var jq = new FormulaBuilder("jq").WithBottle("monterey", 4000).Build();
        var curl = new FormulaBuilder("curl").WithBottle("monterey", 5000).Build();
        await using var h = await CliHarness.StartAsync([jq, curl]);
        // Another command's bottle, stored at jq's key and not yet recorded (or one a run that stopped left unrecorded).
        var theirs = BlobContent.Create(3000, 99).ToArray();
        var jqFile = h.PathOf("2025-07-21/jq-1.0.0.monterey.bottle.tar.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(jqFile)!);
        await File.WriteAllBytesAsync(jqFile, theirs);

        var run = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Error}");
        Assert.Contains("2025-07-21/jq-1.0.0.monterey.bottle.tar.gz holds other bytes than these, which the hash file does not list there", run.Out + run.Error, StringComparison.Ordinal);
        Assert.Equal(theirs, await File.ReadAllBytesAsync(jqFile));
        Assert.Equal(curl.Bottles["monterey"].Sha256, ListedSha(h, "curl-1.0.0-monterey"));
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(h.PathOf("bottles_hash.json"))))
        {
            Assert.False(doc.RootElement.GetProperty("bottles").TryGetProperty("jq-1.0.0-monterey", out _));
        }

        // The listed curl's own object damaged: a forced download writes it over, as it is the object its entry vouches for.
        var curlFile = h.PathOf("2025-07-21/curl-1.0.0.monterey.bottle.tar.gz");
        await File.WriteAllBytesAsync(curlFile, new byte[5000]);
        var forced = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-21", "--formula", "curl", "--force");

        Assert.True(forced.ExitCode == 0, $"exit {forced.ExitCode}: {forced.Error}");
        Assert.Equal(curl.Bottles["monterey"].Sha256, Sha256Of(curlFile));
    }

    private static string? ListedSha(CliHarness h, string key)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(h.PathOf("bottles_hash.json")));
        return doc.RootElement.GetProperty("bottles").GetProperty(key).GetProperty("sha256").GetString();
    }

    [Fact]
    public async Task Sync_Force_DownloadsAgain()
    {
        var f = new FormulaBuilder("wget").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([f]);
        var first = await h.RunAsync("sync", "--platform", "monterey");
        Assert.True(first.ExitCode == 0, first.Error);

        var run = await h.RunAsync("sync", "--platform", "monterey", "--force");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Equal(2, h.Server.BlobGets(f.Bottles["monterey"].Sha256));
    }

    [Fact]
    public async Task Sync_AllBottle_IsDownloadedAndStoredOnceUnderItsOwnName()
    {
        var shared = BlobContent.Create(6000, 4242);
        var f = new FormulaBuilder("ca-certificates").WithBottle("all", shared).Build();
        await using var h = await CliHarness.StartAsync([f]);

        var run = await h.RunAsync("sync", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Equal(1, h.Server.BlobGets(shared.Sha256));
        Assert.Equal(shared.Sha256, Sha256Of(h.PathOf("2025-07-21/ca-certificates-1.0.0.all.bottle.tar.gz")));
        Assert.Equal(["ca-certificates-1.0.0.all.bottle.tar.gz"], Directory.GetFiles(h.PathOf("2025-07-21")).Select(Path.GetFileName));
        using var hash = JsonDocument.Parse(File.ReadAllText(h.PathOf("bottles_hash.json")));
        Assert.Equal(["ca-certificates-1.0.0-all"], hash.RootElement.GetProperty("bottles").EnumerateObject().Select(p => p.Name));
        Assert.Equal("all", hash.RootElement.GetProperty("bottles").GetProperty("ca-certificates-1.0.0-all").GetProperty("platform").GetString());
    }

    [Theory]
    [InlineData(FaultKind.ServerError, 2)]
    [InlineData(FaultKind.TooManyRequests, 1)]
    [InlineData(FaultKind.ResetMidBody, 2)]
    public async Task Sync_TransientFault_IsRetriedAndBottleStored(FaultKind kind, int times)
    {
        var f = new FormulaBuilder("jq").WithBottle("monterey", 100_000).Build();
        await using var h = await CliHarness.StartAsync([f]);
        h.Server.InjectFault(f.Bottles["monterey"].Sha256, kind, times, TimeSpan.FromSeconds(1));

        var run = await h.RunAsync("sync", "--platform", "monterey");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Contains("Retry ", run.Error, StringComparison.Ordinal);
        Assert.Equal(f.Bottles["monterey"].Sha256, Sha256Of(h.PathOf(Directory.GetFiles(h.Store, "*.tar.gz", SearchOption.AllDirectories).Single())));
    }

    [Fact]
    public async Task Sync_WrongBytesNotFoundAndStall_FailThoseBottlesOnlyWithReasons()
    {
        var good = new FormulaBuilder("good").WithBottle("monterey").Build();
        var corrupt = new FormulaBuilder("corrupt").WithBottle("monterey").Build();
        var missing = new FormulaBuilder("missing").WithBottle("monterey").Build();
        var stalled = new FormulaBuilder("stalled").WithBottle("monterey", 200_000).Build();
        await using var h = await CliHarness.StartAsync([good, corrupt, missing, stalled]);
        h.Server.InjectFault(corrupt.Bottles["monterey"].Sha256, FaultKind.WrongBytes, 10);
        h.Server.InjectFault(missing.Bottles["monterey"].Sha256, FaultKind.NotFound, 10);
        h.Server.InjectFault(stalled.Bottles["monterey"].Sha256, FaultKind.Stall, 10);
        var env = h.Environment();
        // The timeout ends the stall; it also bounds the catalog and index requests, so it is long enough for a
        // machine busy with other tests (0.5 s was not), and the retry waits nothing.
        env["DOWNLOAD_TIMEOUT_SECONDS"] = "3";
        env["RETRY_ATTEMPTS"] = "1";
        env["RETRY_DELAY_SECONDS"] = "0";

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-21", "--json");

        Assert.True(run.ExitCode == 3, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        var failed = doc.RootElement.GetProperty("failed").EnumerateArray()
            .ToDictionary(e => e.GetProperty("key").GetString()!, e => (Kind: e.GetProperty("kind").GetString(), Reason: e.GetProperty("reason").GetString()!));
        Assert.Equal("ShaMismatch", failed["corrupt-1.0.0-monterey"].Kind);
        Assert.Equal("NotFound", failed["missing-1.0.0-monterey"].Kind);
        Assert.Equal("Timeout", failed["stalled-1.0.0-monterey"].Kind);
        Assert.Contains("2 attempts", failed["stalled-1.0.0-monterey"].Reason, StringComparison.Ordinal);
        Assert.Equal(1, doc.RootElement.GetProperty("stored").GetInt32());
        var files = Directory.GetFiles(h.PathOf("2025-07-21")).Select(f => Path.GetFileName(f)!).ToArray();
        Assert.Equal(["good-1.0.0.monterey.bottle.tar.gz"], files);
        Assert.Empty(Directory.GetFiles(h.PathOf(".staging")));
        using var hash = JsonDocument.Parse(File.ReadAllBytes(h.PathOf("bottles_hash.json")));
        Assert.Equal(["good-1.0.0-monterey"], hash.RootElement.GetProperty("bottles").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task Sync_WithoutTheToken_FailsWithAccessDenied()
    {
        var f = new FormulaBuilder("git").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([f]);
        var env = h.Environment();
        env["HOMEBREW_REGISTRY_TOKEN"] = "wrong-token";

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--json");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("Unauthorized", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", run.Out + run.Error, StringComparison.Ordinal);
    }

    internal static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
