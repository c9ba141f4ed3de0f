using HomebrewSync.Contracts;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Progress;

/// <summary>Writes <see cref="SyncLog"/>'s lines, one per event, to a log (CloudWatch Logs, standard error).</summary>
public sealed class LogLineObserver(TextWriter log) : ISyncObserver
{
    private readonly Lock _gate = new();

    public void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent) => Write(SyncLog.Stored(bottle, bytes, alreadyPresent));

    public void BottleFailed(BottleFailure failure) => Write(SyncLog.Failed(failure));

    public void Retrying(RetryNotice notice) => Write(SyncLog.Retrying(notice));

    public void Checkpointed(int entries, string location) => Write(SyncLog.Checkpointed(entries, location));

    public void HashFileConflict(string location, int attempt) => Write(SyncLog.Conflict(location, attempt));

    public void Info(string message) => Write(message);

    public void Write(string line)
    {
        lock (_gate)
        {
            log.WriteLine(line);
            log.Flush();
        }
    }
}
