namespace HomebrewSync.Core.Catalog;

/// <summary>The catalog was not reachable.</summary>
public sealed class CatalogUnavailableException : Exception
{
    public CatalogUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
