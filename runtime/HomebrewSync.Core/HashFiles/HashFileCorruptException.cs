namespace HomebrewSync.Core.HashFiles;

/// <summary>The hash file exists but cannot be trusted; it is never overwritten.</summary>
public sealed class HashFileCorruptException : Exception
{
    public HashFileCorruptException(string location, string problem, Exception? inner = null)
        : base($"The hash file {location} is corrupt ({problem}). It was left untouched and nothing was transferred; repair it, restore it from a backup, or move it aside so the next run starts a new one.", inner)
    {
        Location = location;
        Problem = problem;
    }

    public string Location { get; }
    public string Problem { get; }
}
