namespace HomebrewSync.Core.Progress;

/// <summary>A moment of a transfer, for a terminal display, a log line or a Slack progress message.</summary>
public sealed record SyncProgress(
    int TotalBottles,
    int CompletedBottles,
    int FailedBottles,
    long TotalBytes,
    long TransferredBytes,
    TimeSpan Elapsed,
    string? Current,
    string? CurrentFormula = null)
{
    public int DoneBottles => CompletedBottles + FailedBottles;

    /// <summary>Bytes per second so far.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? TransferredBytes / Elapsed.TotalSeconds : 0;

    public double Fraction => TotalBytes > 0
        ? Math.Clamp((double)TransferredBytes / TotalBytes, 0, 1)
        : TotalBottles > 0 ? (double)DoneBottles / TotalBottles : 1;

    /// <summary>Remaining bytes at the speed so far; null until there is a speed to go by.</summary>
    public TimeSpan? Eta => BytesPerSecond > 0 && TotalBytes > TransferredBytes
        ? TimeSpan.FromSeconds((TotalBytes - TransferredBytes) / BytesPerSecond)
        : null;
}
