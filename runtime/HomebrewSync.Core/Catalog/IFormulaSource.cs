namespace HomebrewSync.Core.Catalog;

/// <summary>Where the catalog comes from (the Homebrew API, a file).</summary>
public interface IFormulaSource
{
    /// <summary>Streams the catalog's formulae; <paramref name="rejected"/> hears of entries that were skipped as unusable.</summary>
    IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, CancellationToken cancellationToken);
}
