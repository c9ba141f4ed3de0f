
namespace HomebrewSync.Cli.Tests;

public sealed class CommandTests
{
    private static readonly string[] Tags = ["arm64_sonoma", "monterey"];

    [Fact]
    public async Task Plan_ReportsCountAndBytesPerTag_AndWritesNoBottle()
    {
        var a = new FormulaBuilder("a").WithBottle("arm64_sonoma", 1000).WithBottle("monterey", 3000).Build();
        var b = new FormulaBuilder("b").WithBottle("arm64_sonoma", 2000).Build();
        await using var h = await CliHarness.StartAsync([a, b]);

        var run = await h.RunAsync("plan", "--platform", "arm64_sonoma,monterey", "--json");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        using var doc = JsonDocument.Parse(run.Out);
        var byPlatform = doc.RootElement.GetProperty("by_target").EnumerateArray()
            .ToDictionary(e => e.GetProperty("target").GetString()!, e => (e.GetProperty("count").GetInt32(), e.GetProperty("bytes").GetInt64()));
        Assert.Equal((2, 3000L), byPlatform["arm64_sonoma"]);
        Assert.Equal((1, 3000L), byPlatform["monterey"]);
        Assert.Equal(6000, doc.RootElement.GetProperty("total_bytes").GetInt64());
        Assert.Equal(0, h.Server.TotalBlobGets);
        Assert.False(File.Exists(h.PathOf("bottles_hash.json")));
    }

    [Fact]
    public async Task Plan_Table_ShowsPlatformsAndTotal()
    {
        var a = new FormulaBuilder("a").WithBottles(Tags, 2048).Build();
        await using var h = await CliHarness.StartAsync([a]);

        var run = await h.RunAsync("plan", "--platform", "arm64_sonoma,monterey");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Matches(@"arm64_sonoma\s+1\s+2\.0 KB", run.Out);
        Assert.Matches(@"total \(each once\)\s+2\s+4\.0 KB", run.Out);
    }

    [Fact]
    public async Task Verify_FindsMissingWrongSizeWrongShaAndUnrecordedFiles()
    {
        var formulae = new[] { "gone", "short", "tampered", "fine" }.Select(n => new FormulaBuilder(n).WithBottle("monterey").Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-21")).ExitCode);
        Assert.Equal(0, (await h.RunAsync("verify")).ExitCode);
        File.Delete(h.PathOf("2025-07-21/gone-1.0.0.monterey.bottle.tar.gz"));
        await File.WriteAllBytesAsync(h.PathOf("2025-07-21/short-1.0.0.monterey.bottle.tar.gz"), new byte[10]);
        var tampered = h.PathOf("2025-07-21/tampered-1.0.0.monterey.bottle.tar.gz");
        var bytes = await File.ReadAllBytesAsync(tampered);
        bytes[100] ^= 0xFF;
        await File.WriteAllBytesAsync(tampered, bytes);
        await File.WriteAllBytesAsync(h.PathOf("2025-07-21/stray-1.0.monterey.bottle.tar.gz"), new byte[5]);

        var run = await h.RunAsync("verify", "--json");

        Assert.Equal(3, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(1, doc.RootElement.GetProperty("unlisted").GetInt32());
        var problems = doc.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => (p.GetProperty("kind").GetString(), p.GetProperty("key").GetString())).ToArray();
        Assert.Equal(
            [("Missing", "gone-1.0.0-monterey"), ("WrongSize", "short-1.0.0-monterey"), ("WrongSha256", "tampered-1.0.0-monterey"), ("Unrecorded", "2025-07-21/stray-1.0.monterey.bottle.tar.gz")],
            problems);
    }

    [Fact]
    public async Task Verify_UnlistedFileAlone_IsReportedButAccepted()
    {
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("fine").WithBottle("monterey").Build()]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-21")).ExitCode);
        await File.WriteAllBytesAsync(h.PathOf("2025-07-21/stray-1.0.monterey.bottle.tar.gz"), new byte[5]);

        var run = await h.RunAsync("verify");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Contains("unlisted     2025-07-21/stray-1.0.monterey.bottle.tar.gz", run.Out, StringComparison.Ordinal);
        Assert.Contains("OK: 1 bottles match the hash file; 1 unlisted object(s), which 'homebrew-sync prune' removes.", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_AfterTheCatalogMovesOn_DryRunListsThenPruneRemovesTheSupersededVersion()
    {
        var old = new FormulaBuilder("wget").WithVersion("1.0").WithBottle("monterey", 3000).Build();
        var kept = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build();
        await using var h = await CliHarness.StartAsync([old, kept]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01")).ExitCode);
        var updated = new FormulaBuilder("wget").WithVersion("1.1").WithBottle("monterey", 3100).Build();
        h.Server.SetFormulae([updated, kept]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-08-20")).ExitCode);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";
        // "Today" is 2025-09-01 for prune: wget 1.0 was downloaded 62 days ago.
        var time = new DatedClock(new DateTimeOffset(2025, 9, 1, 3, 0, 0, TimeSpan.Zero));
        var files = Directory.GetFiles(h.Store, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var hashFile = await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json"));

        var dry = await CliHarness.RunAsync(env, time, "prune", "--dry-run");
        var within = await CliHarness.RunAsync(env, time, "prune", "--keep-days", "90");

        Assert.True(dry.ExitCode == 0, dry.Error);
        Assert.Matches(@"superseded\s+2\.9 KB\s+2025-07-01/wget-1\.0\.monterey\.bottle\.tar\.gz", dry.Out);
        Assert.Contains("Dry run: would remove 2 objects", dry.Out, StringComparison.Ordinal);
        Assert.Contains("Nothing to prune: 3 bottles kept", within.Out, StringComparison.Ordinal);
        Assert.Equal(files, Directory.GetFiles(h.Store, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        // Not rewritten either: the same bytes, down to the last-updated time.
        Assert.Equal(hashFile, await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")));

        var run = await CliHarness.RunAsync(env, time, "prune", "--keep-days", "30", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("wget-1.0-monterey", doc.RootElement.GetProperty("superseded")[0].GetProperty("hash_key").GetString());
        Assert.Equal("manifests/wget/1.0.json", doc.RootElement.GetProperty("manifests")[0].GetProperty("object_key").GetString());
        Assert.False(File.Exists(h.PathOf("2025-07-01/wget-1.0.monterey.bottle.tar.gz")));
        Assert.True(File.Exists(h.PathOf("2025-08-20/wget-1.1.monterey.bottle.tar.gz")));
        Assert.True(File.Exists(h.PathOf("2025-07-01/curl-8.0.monterey.bottle.tar.gz")));
        var verify = await h.RunAsync("verify");
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("OK: 2 bottles match the hash file.", verify.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_BadKeepDays_IsAUsageErrorAndRemovesNothing()
    {
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("fine").WithBottle("monterey").Build()]);

        var run = await h.RunAsync("prune", "--keep-days", "-3");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("PRUNE_KEEP_DAYS: -3 must be 0 or more days", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_ShowsTotalsPerPlatformAndPerDate()
    {
        var f = new FormulaBuilder("zstd").WithBottles(Tags, 1024).Build();
        await using var h = await CliHarness.StartAsync([f]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "arm64_sonoma,monterey", "--date", "2025-07-21")).ExitCode);

        var run = await h.RunAsync("stats");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Contains("Bottles: 2 (2.0 KB)", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"monterey\s+1\s+1\.0 KB", run.Out);
        Assert.Matches(@"2025-07-21\s+2\s+2\.0 KB", run.Out);
    }

    [Fact]
    public async Task Stats_NoHashFile_SaysSo()
    {
        await using var h = await CliHarness.StartAsync([]);

        var run = await h.RunAsync("stats");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("No hash file", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommandOptionEnvironmentVariableAndExitCode()
    {
        var run = await CliHarness.RunAsync(new Dictionary<string, string?>(), "--help");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        foreach (var s in new[] { "plan", "sync", "verify", "stats", "--store", "--api-url", "--platform", "--formula", "--force", "--concurrency", "--retries", "--timeout", "--date", "--json",
                     "TARGET_PLATFORMS", "MAX_CONCURRENT_DOWNLOADS", "RETRY_ATTEMPTS", "RETRY_DELAY_SECONDS", "DOWNLOAD_TIMEOUT_SECONDS", "BATCH_SIZE", "HOMEBREW_REGISTRY_TOKEN" })
        {
            Assert.Contains(s, run.Out, StringComparison.Ordinal);
        }
        Assert.Matches(@"\n  3\s+completed with warnings", run.Out);
    }
}
