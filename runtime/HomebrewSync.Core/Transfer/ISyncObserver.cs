using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Transfer;

/// <summary>What a run reports as it goes; hosts turn it into log lines, a display, messages.</summary>
public interface ISyncObserver
{
    void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent);

    void BottleFailed(BottleFailure failure);

    void Retrying(RetryNotice notice);

    void Checkpointed(int entries, string location);
}

public sealed class NullSyncObserver : ISyncObserver
{
    public static readonly NullSyncObserver Instance = new();

    public void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent) { }

    public void BottleFailed(BottleFailure failure) { }

    public void Retrying(RetryNotice notice) { }

    public void Checkpointed(int entries, string location) { }
}
