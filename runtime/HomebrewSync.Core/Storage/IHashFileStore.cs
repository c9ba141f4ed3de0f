using HomebrewSync.Core.HashFiles;

namespace HomebrewSync.Core.Storage;

/// <summary>The hash file (<c>bottles_hash.json</c> at the store root), read with its version and written only over that version.</summary>
public interface IHashFileStore
{
    /// <summary>Where the hash file is, for messages.</summary>
    string HashFileLocation { get; }

    /// <summary>The hash file with its version (ETag), or null when the store has none yet.</summary>
    /// <exception cref="HashFileCorruptException">The file exists but does not parse.</exception>
    Task<HashFileSnapshot?> ReadHashFileAsync(CancellationToken cancellationToken);

    /// <summary>Writes the hash file only if its version is still <paramref name="expectedVersion"/> (null: only if none exists).</summary>
    /// <returns>The new version.</returns>
    /// <exception cref="HashFileConflictException">Another writer changed it first.</exception>
    Task<string> WriteHashFileAsync(HashFile hashFile, string? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Copies the current hash file aside (to <c>bottles_hash.json.backup-&lt;stamp&gt;</c>) before it is replaced; returns its version, or null when there is none.</summary>
    Task<string?> BackupHashFileAsync(string stamp, CancellationToken cancellationToken);
}
