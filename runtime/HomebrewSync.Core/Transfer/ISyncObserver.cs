using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Transfer;

/// <summary>What a run reports as it goes; hosts turn it into log lines or a live display.</summary>
public interface ISyncObserver
{
    void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent);

    void BottleFailed(BottleFailure failure);

    void Retrying(RetryNotice notice);

    void Checkpointed(int entries, string location);

    /// <summary>A conditional write of the hash file was refused (another run wrote first); it is merged and written again.</summary>
    void HashFileConflict(string location, int attempt);

    /// <summary>Anything else the operator should read: warnings, what was skipped and why.</summary>
    void Info(string message);
}
