using HomebrewSync.Cli.Output;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Manifest;

namespace HomebrewSync.Cli.Commands;

internal static class SyncCommand
{
    private const int MaxFailuresShown = 50;

    public static async Task<int> RunAsync(CliRequest request, CliServices services, ConsoleReporter reporter, CliConsole console, CancellationToken cancellationToken)
    {
        if (request.RebuildHash)
        {
            await services.Store.PrepareAsync(cancellationToken);
            var rebuilt = await HashFileRebuilder.RebuildAsync(services.Store, services.Time, request.Settings.MaxConcurrentDownloads, cancellationToken);
            console.Error.WriteLine($"hash file rebuilt from object metadata: {Humanize.Count(rebuilt.Entries)} bottles"
                + (rebuilt.ObjectsWithoutMetadata > 0 ? $", {Humanize.Count(rebuilt.ObjectsWithoutMetadata)} objects without usable metadata left out" : "")
                + (rebuilt.BackupOf is null ? "" : $"; the previous file is kept as {rebuilt.BackupOf}"));
        }
        var planned = await CommandSupport.PlanAsync(request, services, console, cancellationToken);
        if (!request.Json)
        {
            PlanCommand.WriteTable(console.Error, planned);
        }
        var progress = services.Runner.NewProgress(planned.Plan);
        using var stopDisplay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var display = planned.Plan.Bottles.Count > 0 ? reporter.ShowProgressAsync(progress, stopDisplay.Token) : Task.CompletedTask;
        Core.SyncRunResult result;
        try
        {
            result = await services.Runner.ExecuteAsync(planned, progress, reporter, null, cancellationToken);
        }
        finally
        {
            await stopDisplay.CancelAsync();
            await display;
        }

        var t = result.Transfer;
        var hashFile = services.Store.Describe(Contracts.ProductInfo.HashFileName);
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new
            {
                planned.Plan.SyncDate,
                Stored = t.Stored.Count,
                planned.Plan.Skipped,
                Failed = t.Failed.Select(f => new { f.Bottle.Key, Kind = f.Kind.ToString(), f.Reason }),
                t.BytesTransferred,
                t.BytesStored,
                DurationSeconds = Math.Round(t.Duration.TotalSeconds, 3),
                HashFile = hashFile,
                HashFileBottles = result.Manifest.Count,
            });
        }
        else
        {
            var o = console.Out;
            var speed = t.Duration.TotalSeconds > 0 ? $" ({Humanize.Speed(t.BytesTransferred / t.Duration.TotalSeconds)})" : "";
            o.WriteLine($"Sync {planned.Plan.SyncDate} {(result.HasFailures ? "completed with failures" : "complete")}: "
                + $"{Humanize.Count(t.Stored.Count)} stored, {Humanize.Count(planned.Plan.Skipped)} skipped, {Humanize.Count(t.Failed.Count)} failed; "
                + $"{Humanize.Bytes(t.BytesTransferred)} downloaded in {Humanize.Duration(t.Duration)}{speed}");
            if (result.HasFailures)
            {
                o.WriteLine("Failed:");
                foreach (var f in t.Failed.OrderBy(f => f.Bottle.Key, StringComparer.Ordinal).Take(MaxFailuresShown))
                {
                    o.WriteLine($"  {f.Bottle.Key}: {f.Reason}");
                }
                if (t.Failed.Count > MaxFailuresShown)
                {
                    o.WriteLine($"  ... and {Humanize.Count(t.Failed.Count - MaxFailuresShown)} others");
                }
            }
            o.WriteLine($"Hash file: {hashFile} ({Humanize.Count(result.Manifest.Count)} bottles, {Humanize.Bytes(result.Manifest.TotalSizeBytes)})");
        }
        return result.HasFailures ? ExitCodes.CompletedWithFailures : ExitCodes.Success;
    }
}
