namespace HomebrewSync.Core.HashFiles;

/// <summary>What a hash-file rebuild did: entries written, objects left out for lack of usable metadata, and where the previous file was copied.</summary>
internal sealed record RebuildReport(int Entries, int ObjectsWithoutMetadata, string? BackupOf);
