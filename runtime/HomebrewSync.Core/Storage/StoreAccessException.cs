namespace HomebrewSync.Core.Storage;

/// <summary>The store cannot be used at all (missing, read-only, denied): the run stops before it changes anything.</summary>
public sealed class StoreAccessException : Exception
{
    public StoreAccessException(string message, Exception? inner = null) : base(message, inner) { }
}
