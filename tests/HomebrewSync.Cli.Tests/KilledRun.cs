using System.Diagnostics;

namespace HomebrewSync.Cli.Tests;

/// <summary>A CLI process killed (kill -9) at a known point: while it downloads a bottle that stalls.</summary>
internal static class KilledRun
{
    /// <summary>Starts the CLI with <paramref name="args"/> as a process and kills it once its GET of <paramref name="stalledSha"/> hangs.</summary>
    /// <returns>The killed process's id.</returns>
    public static async Task<int> KillWhileStalledAsync(FakeHomebrewServer server, string stalledSha, IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        server.InjectFault(stalledSha, FaultKind.Stall, 1);
        var stalling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.BeforeBlobBody = () =>
        {
            if (server.BlobGets(stalledSha) == 1)
            {
                stalling.TrySetResult();
            }
        };
        try
        {
            using var process = Process.Start(CliProcess.StartInfo(env, args))!;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            // The limit only guards against a hang.
            var exited = process.WaitForExitAsync();
            Assert.NotSame(exited, await Task.WhenAny(stalling.Task, exited).WaitAsync(TimeSpan.FromMinutes(2)));
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return process.Id;
        }
        finally
        {
            server.BeforeBlobBody = null;
        }
    }

    /// <summary>Runs prune until it stops finding the store held (exit 5), for at most a minute after <paramref name="since"/>.</summary>
    public static async Task<CliRun> PruneOnceTheStoreIsFreeAsync(IReadOnlyDictionary<string, string?> env, DateTimeOffset since)
    {
        CliRun run;
        do
        {
            await Task.Delay(500);
            run = await CliHarness.RunAsync(env, "prune");
        }
        while (run.ExitCode == 5 && DateTimeOffset.UtcNow - since < TimeSpan.FromSeconds(60));
        return run;
    }
}
