namespace HomebrewSync.Core.Catalog;

/// <summary>The catalog is not a formula.json: nothing can be planned from it and nothing is written.</summary>
public sealed class CatalogFormatException : Exception
{
    public CatalogFormatException(string message, Exception? inner = null) : base(message, inner) { }
}
