using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Transfer;

internal sealed class NullSyncObserver : ISyncObserver
{
    public static readonly NullSyncObserver Instance = new();

    public void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent) { }

    public void BottleFailed(BottleFailure failure) { }

    public void Retrying(RetryNotice notice) { }

    public void Checkpointed(int entries, string location) { }

    public void HashFileConflict(string location, int attempt) { }

    public void Info(string message) { }
}
