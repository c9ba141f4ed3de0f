namespace HomebrewSync.Core.Serving;

/// <summary>The token file or secret cannot be read (missing, no permission, the service unreachable).</summary>
public sealed class TokenFileUnavailableException : Exception
{
    public TokenFileUnavailableException()
    {
    }

    public TokenFileUnavailableException(string message)
        : base(message)
    {
    }

    public TokenFileUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
