namespace HomebrewSync.Core.Storage;

/// <summary>Another writer changed the hash file since it was read; the write did not happen.</summary>
public sealed class HashFileConflictException : Exception
{
    public HashFileConflictException(string message) : base(message) { }
}
