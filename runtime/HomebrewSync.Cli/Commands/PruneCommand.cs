using HomebrewSync.Cli.Output;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Pruning;
using HomebrewSync.Hosting;

namespace HomebrewSync.Cli.Commands;

/// <summary><c>prune</c>: what the mirror no longer needs goes, the hash file first (<see cref="MirrorPruner"/>).</summary>
internal static class PruneCommand
{
    public static async Task<int> RunAsync(CliRequest request, SyncServices services, ConsoleReporter reporter, CliConsole console, CancellationToken cancellationToken)
    {
        PruneResult result;
        try
        {
            result = await services.Prune.PruneAsync(request.KeepDays!.Value, request.DryRun, reporter, cancellationToken, request.DeleteUnlisted);
        }
        catch (PruneRefusedException ex)
        {
            console.Error.WriteLine($"error: nothing pruned: {ex.Message}");
            return ExitCodes.Fatal;
        }
        catch (StoreBusyException ex)
        {
            console.Error.WriteLine($"error: nothing pruned: {ex.Message}");
            return ExitCodes.StoreBusy;
        }
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new PruneJson(
                result.DryRun,
                result.Cutoff.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                [.. result.Superseded.Select(Item)],
                [.. result.Unlisted.Select(Item)],
                [.. result.ImageIndexes.Select(Item)],
                result.Kept,
                result.HeldByApi,
                result.Count,
                result.Bytes,
                [.. result.LeftInPlace.Select(Item)],
                result.WouldRefuse), CliJsonContext.Default.PruneJson);
            return ExitCodes.Success;
        }
        var o = console.Out;
        var verb = result.DryRun ? "would remove" : "removed";
        foreach (var (label, items) in new[] { ("superseded", result.Superseded), ("unlisted", result.Unlisted), ("index", result.ImageIndexes) })
        {
            foreach (var i in items)
            {
                o.WriteLine($"{label,-11} {Humanize.Bytes(i.Size),10}  {i.ObjectKey}  ({i.Reason})");
            }
        }
        foreach (var i in result.LeftInPlace)
        {
            o.WriteLine($"{"left",-11} {Humanize.Bytes(i.Size),10}  {i.ObjectKey}  ({i.Reason})");
        }
        if (result.HeldByApi > 0)
        {
            o.WriteLine($"kept  {Humanize.Count(result.HeldByApi)} superseded bottles a published API file still names (held back until its bottles are all in)");
        }
        o.WriteLine(result.Count == 0 && result.LeftInPlace.Count == 0
            ? $"Nothing to prune: {Humanize.Count(result.Kept)} bottles kept (superseded bottles stay {request.KeepDays!.Value} days after their download, --keep-days)."
            : $"{(result.DryRun ? "Dry run: " : "")}{verb} {Humanize.Count(result.Count)} objects ({Humanize.Bytes(result.Bytes)}); {Humanize.Count(result.Kept)} bottles kept"
                + (result.LeftInPlace.Count > 0 ? $"; {Humanize.Count(result.LeftInPlace.Count)} left in place (listed above with why)." : "."));
        return ExitCodes.Success;
    }

    private static PruneItemJson Item(PruneItem i) => new(i.ObjectKey, i.Size, i.HashKey, i.Reason);
}
