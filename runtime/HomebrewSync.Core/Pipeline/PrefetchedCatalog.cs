using System.Runtime.CompilerServices;
using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// The catalog read from the moment a run starts, while the store is prepared and its lease taken: the catalog needs neither,
/// and its request (the run's first wait on the network) then overlaps them instead of following them. The run reads it from
/// here as from the source itself: the same formulae, rejected entries and errors, once it is read whole. Disposing stops a
/// read nobody took (a run refused its lease).
/// </summary>
internal sealed class PrefetchedCatalog : IFormulaSource, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<(List<Formula> Formulae, List<string> Rejected)> _read;

    private PrefetchedCatalog(IFormulaSource source, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _read = Task.Run(() => ReadAllAsync(source, _stop.Token), CancellationToken.None);
    }

    public static PrefetchedCatalog Start(IFormulaSource source, CancellationToken cancellationToken) => new(source, cancellationToken);

    public async IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (formulae, rejectedEntries) = await _read.WaitAsync(cancellationToken);
        foreach (var entry in rejectedEntries)
        {
            rejected?.Invoke(entry);
        }
        foreach (var formula in formulae)
        {
            yield return formula;
        }
    }

    private static async Task<(List<Formula>, List<string>)> ReadAllAsync(IFormulaSource source, CancellationToken cancellationToken)
    {
        var formulae = new List<Formula>();
        var rejected = new List<string>();
        await foreach (var formula in source.ReadAsync(rejected.Add, cancellationToken))
        {
            formulae.Add(formula);
        }
        return (formulae, rejected);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // Observed either way: a read that failed or was stopped has nobody else to report to.
        await Task.WhenAny(_read);
        _stop.Dispose();
    }
}
