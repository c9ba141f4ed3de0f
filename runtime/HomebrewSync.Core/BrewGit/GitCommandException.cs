namespace HomebrewSync.Core.BrewGit;

/// <summary>A git command failed, timed out or could not be started; the message never carries a URL's credentials.</summary>
public sealed class GitCommandException : Exception
{
    public GitCommandException(string message, Exception? inner = null) : base(message, inner) { }
}
