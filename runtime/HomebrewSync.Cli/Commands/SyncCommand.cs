using HomebrewSync.Cli.Output;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Hosting;

namespace HomebrewSync.Cli.Commands;

/// <summary><c>sync</c> runs the whole pipeline in this process; <c>sync --plan</c> executes a saved plan (the ECS task's job).</summary>
internal static class SyncCommand
{
    private const int MaxFailuresShown = 50;

    public static async Task<int> RunAsync(CliRequest request, SyncServices services, ConsoleReporter reporter, CliConsole console, CancellationToken cancellationToken)
    {
        var display = new RunDisplay(reporter, console.Error, reporter.ShowProgressAsync);
        var outcome = request.PlanKey is { } planKey
            ? await services.Executor.ExecuteSavedPlanAsync(planKey, display, cancellationToken)
            : await services.Sync.SyncAsync(CommandSupport.PlanRequestOf(request, services), display,
                planned => { if (!request.Json) { PlanCommand.WriteTable(console.Error, planned); } }, cancellationToken);
        WriteSummary(request, services, console, outcome);
        return outcome.HasFailures ? ExitCodes.CompletedWithFailures : outcome.Done ? ExitCodes.Success : ExitCodes.Incomplete;
    }

    private static void WriteSummary(CliRequest request, SyncServices services, CliConsole console, SyncOutcome outcome)
    {
        var plan = outcome.Plan;
        var hashFile = services.Store.HashFileLocation;
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new SyncJson(
                plan.SyncDate,
                outcome.PlanKey,
                outcome.Stored.Count,
                plan.Skipped,
                [.. outcome.Failed.Select(f => new FailedJson(f.Bottle.Key, f.Kind.ToString(), f.Reason))],
                outcome.Remaining,
                outcome.BytesTransferred,
                Math.Round(outcome.Duration.TotalSeconds, 3),
                hashFile,
                outcome.HashFile?.Count,
                [.. outcome.Api.Select(a => new ApiFileJson(a.Path, a.Status.ToString().ToLowerInvariant(), a.Detail))],
                outcome.IndexesNotKept,
                outcome.BrewGitProblem,
                outcome.StatusNotWritten), CliJsonContext.Default.SyncJson);
            return;
        }
        var o = console.Out;
        var speed = outcome.Duration.TotalSeconds > 0 ? $" ({Humanize.Speed(outcome.BytesTransferred / outcome.Duration.TotalSeconds)})" : "";
        var state = outcome.HasFailures ? "completed with warnings" : outcome.Done ? "complete" : $"stopped with {Humanize.Count(outcome.Remaining)} bottles left (time budget)";
        o.WriteLine($"Sync {plan.SyncDate} {state}: "
            + $"{Humanize.Count(outcome.Stored.Count)} stored, {Humanize.Count(plan.Skipped)} skipped, {Humanize.Count(outcome.Failed.Count)} failed; "
            + $"{Humanize.Bytes(outcome.BytesTransferred)} downloaded in {Humanize.Duration(outcome.Duration)}{speed}");
        if (outcome.Failed.Count > 0)
        {
            o.WriteLine("Failed:");
            foreach (var f in outcome.Failed.OrderBy(f => f.Bottle.Key, StringComparer.Ordinal).Take(MaxFailuresShown))
            {
                o.WriteLine($"  {f.Bottle.Key}: {f.Reason}");
            }
            if (outcome.Failed.Count > MaxFailuresShown)
            {
                o.WriteLine($"  ... and {Humanize.Count(outcome.Failed.Count - MaxFailuresShown)} others");
            }
        }
        foreach (var i in outcome.IndexesNotKept)
        {
            o.WriteLine($"Image index not kept (brew cannot install its bottles from the mirror): {i}");
        }
        foreach (var a in outcome.Api)
        {
            o.WriteLine($"API file {a.Path}: {a.Status.ToString().ToLowerInvariant()} ({a.Detail})");
        }
        if (outcome.HashFile is { } m)
        {
            o.WriteLine($"Hash file: {hashFile} ({Humanize.Count(m.Count)} bottles, {Humanize.Bytes(m.TotalSizeBytes)})");
        }
    }
}
