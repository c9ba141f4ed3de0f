namespace HomebrewSync.Core.Registry;

/// <summary>A failure that another attempt would not fix (404, 401, wrong bytes).</summary>
public sealed class BottleDownloadException : Exception
{
    public BottleDownloadException(FailureKind kind, string message, Exception? inner = null) : base(message, inner)
    {
        Kind = kind;
    }

    public FailureKind Kind { get; }
}
