using HomebrewSync.Contracts;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Lambda;

/// <summary>One log line per event (CloudWatch Logs); "Downloaded" lines feed the dashboard's Recent Downloads query.</summary>
public sealed class LogObserver(TextWriter log) : ISyncObserver
{
    private readonly Lock _gate = new();

    public void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent) =>
        Write(alreadyPresent ? $"Kept {bottle.Key} ({Humanize.Bytes(bytes)}, already stored and verified)" : $"Downloaded {bottle.Key} ({Humanize.Bytes(bytes)}) to {bottle.ObjectKey}");

    public void BottleFailed(BottleFailure failure) => Write($"FAILED {failure.Bottle.Key}: {failure.Reason}");

    public void Retrying(RetryNotice notice) => Write($"Retry {notice.Subject}: attempt {notice.Attempt} failed ({notice.Reason}); next in {notice.Delay.TotalSeconds:0.0} s");

    public void Checkpointed(int entries, string location) => Write($"Hash file written: {location} ({Humanize.Count(entries)} bottles)");

    public void Write(string line)
    {
        lock (_gate)
        {
            log.WriteLine(line);
        }
    }
}
