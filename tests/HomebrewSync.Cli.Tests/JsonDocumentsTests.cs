namespace HomebrewSync.Cli.Tests;

/// <summary>
/// The --json documents of sync, stats, verify and prune from the CLI as a process. Scripts read them, and they are
/// generated at build time, so the executable users install (scripts/test.sh runs this class again against the native
/// one) must print what the managed build prints.
/// </summary>
public sealed class JsonDocumentsTests
{
    private const string Tag = "monterey";

    [Fact]
    public async Task SyncStatsVerifyAndPrune_AsProcesses_PrintTheirDocuments()
    {
        var a = new FormulaBuilder("a").WithVersion("1.0").WithBottle(Tag, 1000).Build();
        var b = new FormulaBuilder("b").WithVersion("2.0").WithBottle(Tag, 3000).Build();
        await using var h = await CliHarness.StartAsync([a, b]);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = Tag;
        env["MIRROR_API"] = "false";

        var sync = await CliProcess.RunAsync(env, "sync", "--date", "2025-07-21", "--no-progress", "--json");
        var stats = await CliProcess.RunAsync(env, "stats", "--json");
        var verify = await CliProcess.RunAsync(env, "verify", "--json");
        var prune = await CliProcess.RunAsync(env, "prune", "--dry-run", "--json");

        foreach (var run in new[] { sync, stats, verify, prune })
        {
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        }
        using var synced = JsonDocument.Parse(sync.Out);
        Assert.Equal(("2025-07-21", 2, 4000L), (synced.RootElement.GetProperty("sync_date").GetString(), synced.RootElement.GetProperty("stored").GetInt32(),
            synced.RootElement.GetProperty("bytes_transferred").GetInt64()));
        Assert.Empty(synced.RootElement.GetProperty("failed").EnumerateArray());
        Assert.Equal(2, synced.RootElement.GetProperty("hash_file_bottles").GetInt32());
        using var counted = JsonDocument.Parse(stats.Out);
        Assert.Equal((2, 4000L), (counted.RootElement.GetProperty("total_bottles").GetInt32(), counted.RootElement.GetProperty("total_size_bytes").GetInt64()));
        var date = Assert.Single(counted.RootElement.GetProperty("by_date").EnumerateArray());
        Assert.Equal(("2025-07-21", 2), (date.GetProperty("date").GetString(), date.GetProperty("count").GetInt32()));
        using var verified = JsonDocument.Parse(verify.Out);
        Assert.True(verified.RootElement.GetProperty("is_clean").GetBoolean(), verify.Out);
        Assert.Equal(2, verified.RootElement.GetProperty("entries_checked").GetInt32());
        Assert.Empty(verified.RootElement.GetProperty("problems").EnumerateArray());
        using var pruned = JsonDocument.Parse(prune.Out);
        Assert.True(pruned.RootElement.GetProperty("dry_run").GetBoolean());
        Assert.Empty(pruned.RootElement.GetProperty("superseded").EnumerateArray());
        Assert.Empty(pruned.RootElement.GetProperty("unlisted").EnumerateArray());
        Assert.Equal(0, pruned.RootElement.GetProperty("removed").GetInt32());
        Assert.True(File.Exists(h.PathOf("2025-07-21/a-1.0.monterey.bottle.tar.gz")));
    }
}
