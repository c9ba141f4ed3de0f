using System.Text.Json;
using HomebrewSync.TestSupport;

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

        Assert.Equal(0, run.ExitCode);
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

        Assert.Equal(0, run.ExitCode);
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
        var problems = doc.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => (p.GetProperty("kind").GetString(), p.GetProperty("key").GetString())).ToArray();
        Assert.Equal(
            [("Missing", "gone-1.0.0-monterey"), ("WrongSize", "short-1.0.0-monterey"), ("WrongSha256", "tampered-1.0.0-monterey"), ("Unrecorded", "2025-07-21/stray-1.0.monterey.bottle.tar.gz")],
            problems);
    }

    [Fact]
    public async Task Stats_ShowsTotalsPerPlatformAndPerDate()
    {
        var f = new FormulaBuilder("zstd").WithBottles(Tags, 1024).Build();
        await using var h = await CliHarness.StartAsync([f]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "arm64_sonoma,monterey", "--date", "2025-07-21")).ExitCode);

        var run = await h.RunAsync("stats");

        Assert.Equal(0, run.ExitCode);
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

        Assert.Equal(0, run.ExitCode);
        foreach (var s in new[] { "plan", "sync", "verify", "stats", "--store", "--api-url", "--platform", "--formula", "--force", "--concurrency", "--retries", "--timeout", "--date", "--json",
                     "TARGET_PLATFORMS", "MAX_CONCURRENT_DOWNLOADS", "RETRY_ATTEMPTS", "RETRY_DELAY_SECONDS", "DOWNLOAD_TIMEOUT_SECONDS", "BATCH_SIZE", "HOMEBREW_REGISTRY_TOKEN" })
        {
            Assert.Contains(s, run.Out, StringComparison.Ordinal);
        }
        Assert.Matches(@"\n  3\s+completed with failures", run.Out);
    }
}
