namespace HomebrewSync.Core.Storage;

/// <summary>What is known about a bottle when it is stored (S3 writes it as the reference's user metadata).</summary>
public sealed record BottleMetadata(
    string FormulaName,
    string FormulaVersion,
    string Platform,
    DateOnly DownloadDate,
    string Sha256,
    string SyncVersion,
    string HomebrewApiUrl);
