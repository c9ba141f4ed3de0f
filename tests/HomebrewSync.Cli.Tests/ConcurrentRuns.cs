
namespace HomebrewSync.Cli.Tests;

/// <summary>Two syncs of the same store at once, each taking half the formulae, one bottle and one checkpoint at a time.</summary>
public static class ConcurrentRuns
{
    public const string ConflictLine = "Hash file changed by another run:";

    public static async Task<CliRun[]> RunBothAsync(Dictionary<string, string?> env, IReadOnlyList<FakeFormula> formulae)
    {
        ArgumentNullException.ThrowIfNull(formulae);
        var half = formulae.Count / 2;
        var left = string.Join(',', formulae.Take(half).Select(f => f.Name));
        var right = string.Join(',', formulae.Skip(half).Select(f => f.Name));
        return await Task.WhenAll(
            CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--formula", left, "--batch-size", "1", "--concurrency", "1", "--date", "2025-07-21"),
            CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--formula", right, "--batch-size", "1", "--concurrency", "1", "--date", "2025-07-21"));
    }

    /// <summary>At least one conditional write was refused and retried, both runs succeeded, and every bottle of both is listed.</summary>
    public static void AssertConflictRefusedAndNothingLost(CliRun[] runs, IReadOnlyList<FakeFormula> formulae, byte[] hashFile)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(formulae);
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Error));
        var conflicts = runs.Sum(r => r.Error.Split('\n').Count(l => l.Contains(ConflictLine, StringComparison.Ordinal)));
        Assert.True(conflicts >= 1, "no hash-file write was refused: the runs did not overlap\n" + string.Join("\n---\n", runs.Select(r => r.Error)));
        using var hash = JsonDocument.Parse(hashFile);
        var keys = hash.RootElement.GetProperty("bottles").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(formulae.Select(f => f.Key("monterey")).Order(StringComparer.Ordinal), keys);
        Assert.Equal(formulae.Count, hash.RootElement.GetProperty("total_bottles").GetInt32());
    }

    /// <summary>A sync and a prune of one store as two processes, the prune started <paramref name="offsetMs"/> after the sync (negative: before it).</summary>
    public static async Task<(CliProcessResult Sync, CliProcessResult Prune)> PruneBesideSyncAsync(IReadOnlyDictionary<string, string?> env, int offsetMs, string syncDate)
    {
        var sync = DelayedAsync(Math.Max(0, -offsetMs), () => CliProcess.RunAsync(env, "sync", "--date", syncDate, "--concurrency", "1", "--batch-size", "1"));
        var prune = DelayedAsync(Math.Max(0, offsetMs), () => CliProcess.RunAsync(env, "prune", "--keep-days", "0"));
        return (await sync, await prune);

        static async Task<CliProcessResult> DelayedAsync(int ms, Func<Task<CliProcessResult>> run)
        {
            await Task.Delay(ms);
            return await run();
        }
    }
}
