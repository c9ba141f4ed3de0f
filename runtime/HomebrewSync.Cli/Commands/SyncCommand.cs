using HomebrewSync.Cli.Output;
using HomebrewSync.Core;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Manifest;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Metrics;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;

namespace HomebrewSync.Cli.Commands;

internal static class SyncCommand
{
    private const int MaxFailuresShown = 50;

    public static async Task<int> RunAsync(CliRequest request, CliServices services, ConsoleReporter reporter, CliConsole console, CancellationToken cancellationToken)
    {
        var notifications = await services.CreateNotificationsAsync(w => reporter.Info("warning: " + w), cancellationToken);
        if (request.PlanKey is { } planKey)
        {
            return await RunPlanAsync(planKey, request, services, notifications, reporter, console, cancellationToken);
        }
        var started = services.Time.GetTimestamp();
        var syncDate = (request.Date ?? DateOnly.FromDateTime(services.Time.GetUtcNow().UtcDateTime)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        ProgressTracker? progress = null;
        SyncRunResult result;
        try
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
            await notifications.StartedAsync(planned.Plan, cancellationToken);
            progress = services.Runner.NewProgress(planned.Plan);
            using var stopDisplay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var display = planned.Plan.Bottles.Count > 0 ? reporter.ShowProgressAsync(progress, stopDisplay.Token) : Task.CompletedTask;
            var updates = planned.Plan.Bottles.Count > 0 ? notifications.RunProgressUpdatesAsync(progress, stopDisplay.Token) : Task.CompletedTask;
            try
            {
                result = await services.Runner.ExecuteAsync(planned, progress, reporter, null, cancellationToken);
            }
            finally
            {
                await stopDisplay.CancelAsync();
                await display;
                await updates;
            }
        }
        catch (Exception ex) when (ex is not (PlanInputException or OperationCanceledException))
        {
            // The team hears of a sync that could not run; the exit code still comes from the caller's mapping.
            await notifications.FailedAsync(syncDate, ex, progress?.Snapshot(), services.Time.GetElapsedTime(started), CancellationToken.None);
            throw;
        }

        await notifications.FinishedAsync(result, services.Store, cancellationToken);
        var t = result.Transfer;
        if (request.Notifications.EmitMetrics)
        {
            console.Error.WriteLine(EmfMetrics.ForRun(request.Notifications.Environment, syncDate, request.Notifications.SyncMethod.ToLowerInvariant(),
                t.Stored.Count, t.Failed.Count, result.Planned.Plan.Skipped, services.Time.GetElapsedTime(started), t.BytesTransferred, services.Time.GetUtcNow()));
        }
        WriteSummary(request, services, console, result);
        return result.HasFailures ? ExitCodes.CompletedWithFailures : ExitCodes.Success;
    }

    /// <summary>Executes a saved plan to the end: the ECS task's job, the same code as the Lambda worker without a time budget.</summary>
    private static async Task<int> RunPlanAsync(string planKey, CliRequest request, CliServices services, SyncNotifications notifications, ConsoleReporter reporter, CliConsole console, CancellationToken cancellationToken)
    {
        var worker = new PlanWorker(services.Store, services.Runner, notifications, services.Settings, services.Time);
        var started = services.Time.GetTimestamp();
        ProgressTracker? last = null;
        WorkerResult result;
        try
        {
            result = await worker.RunAsync(planKey, null, reporter, (tracker, stop) =>
            {
                last = tracker;
                return Task.WhenAll(reporter.ShowProgressAsync(tracker, stop), notifications.RunProgressUpdatesAsync(tracker, stop));
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await notifications.FailedAsync(DateOnly.FromDateTime(services.Time.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ex, last?.Snapshot(), services.Time.GetElapsedTime(started), CancellationToken.None);
            throw;
        }
        if (request.Json)
        {
            JsonOutput.Write(console.Out, result);
        }
        else
        {
            console.Out.WriteLine($"Plan {result.PlanKey} {(result.Failed > 0 ? "completed with failures" : "complete")}: {Humanize.Count(result.Stored)} stored, "
                + $"{Humanize.Count(result.Failed)} failed; {Humanize.Bytes(result.BytesTransferred)} downloaded in {Humanize.Duration(services.Time.GetElapsedTime(started))}");
        }
        return result.Failed > 0 ? ExitCodes.CompletedWithFailures : ExitCodes.Success;
    }

    private static void WriteSummary(CliRequest request, CliServices services, CliConsole console, SyncRunResult result)
    {
        var plan = result.Planned.Plan;
        var t = result.Transfer;
        var hashFile = services.Store.Describe(Contracts.ProductInfo.HashFileName);
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new
            {
                plan.SyncDate,
                Stored = t.Stored.Count,
                plan.Skipped,
                Failed = t.Failed.Select(f => new { f.Bottle.Key, Kind = f.Kind.ToString(), f.Reason }),
                t.BytesTransferred,
                t.BytesStored,
                DurationSeconds = Math.Round(t.Duration.TotalSeconds, 3),
                HashFile = hashFile,
                HashFileBottles = result.Manifest.Count,
            });
            return;
        }
        var o = console.Out;
        var speed = t.Duration.TotalSeconds > 0 ? $" ({Humanize.Speed(t.BytesTransferred / t.Duration.TotalSeconds)})" : "";
        o.WriteLine($"Sync {plan.SyncDate} {(result.HasFailures ? "completed with failures" : "complete")}: "
            + $"{Humanize.Count(t.Stored.Count)} stored, {Humanize.Count(plan.Skipped)} skipped, {Humanize.Count(t.Failed.Count)} failed; "
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
}
