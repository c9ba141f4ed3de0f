using System.Runtime.CompilerServices;
using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Adapters.Files;

/// <summary>formula.json from a file (a <c>file://</c> catalog URL: a copy taken elsewhere, an offline mirror).</summary>
public sealed class FileCatalogSource : IFormulaSource
{
    private readonly string _path;
    private readonly long _maxBytes;

    /// <param name="maxBytes">A longer catalog is refused whole.</param>
    public FileCatalogSource(string path, long maxBytes)
    {
        _path = path;
        _maxBytes = maxBytes;
    }

    public async IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CatalogUnavailableException($"Cannot read the catalog {_path}: {ex.Message}", ex);
        }
        await using (stream)
        {
            await foreach (var formula in FormulaCatalogReader.ReadAsync(stream, _maxBytes, rejected, cancellationToken))
            {
                yield return formula;
            }
        }
    }
}
