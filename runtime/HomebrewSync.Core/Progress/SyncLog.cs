using HomebrewSync.Contracts;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Progress;

/// <summary>
/// The run's log lines, the same on every host (the CLI's log output, Lambda and ECS logs in CloudWatch):
/// "Downloaded" lines feed the dashboard's Recent Downloads query.
/// </summary>
public static class SyncLog
{
    public const string DownloadedPrefix = "Downloaded ";

    public static string Stored(PlannedBottle bottle, long bytes, bool alreadyPresent) => alreadyPresent
        ? $"Kept {bottle.Key} ({Humanize.Bytes(bytes)}, already in the store and verified) at {bottle.ObjectKey}"
        : $"{DownloadedPrefix}{bottle.Key} ({Humanize.Bytes(bytes)}) to {bottle.ObjectKey}";

    public static string Failed(BottleFailure failure) => $"FAILED {failure.Bottle.Key}: {failure.Reason}";

    public static string Retrying(RetryNotice notice) =>
        $"Retry {notice.Subject}: attempt {notice.Attempt} failed ({notice.Reason}); next in {notice.Delay.TotalSeconds:0.0} s";

    public static string Checkpointed(int entries, string location) => $"Hash file written: {location} ({Humanize.Count(entries)} bottles)";

    public static string Conflict(string location, int attempt) => $"Hash file changed by another run: {location} read again, merged and written (retry {attempt})";

    public static string Progress(SyncProgress p)
    {
        var eta = p.Eta is { } e ? $", ETA {Humanize.Estimate(e)}" : "";
        var current = p.Current is null ? "" : $", current {p.Current}";
        return $"Progress {Humanize.Count(p.DoneBottles)}/{Humanize.Count(p.TotalBottles)} bottles ({p.Fraction * 100:0}%), "
            + $"{Humanize.Bytes(p.TransferredBytes)} / {Humanize.Bytes(p.TotalBytes)}, {Humanize.Speed(p.BytesPerSecond)}{eta}{current}";
    }
}
