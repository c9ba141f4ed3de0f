using System.Runtime.CompilerServices;
using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.Tests.Pipeline;

/// <summary>The catalog read from a run's start reads as the source itself: its formulae, rejected entries and errors.</summary>
public sealed class PrefetchedCatalogTests
{
    [Fact]
    public async Task ReadAsync_GivesTheSourcesFormulaeInOrder_AndItsRejectedEntries()
    {
        var formulae = new[] { "a", "b", "c" }.Select(n => new FormulaBuilder(n).WithVersion("1.0").WithBottle("arm64_sonoma", 100).Build()).ToArray();
        await using var catalog = PrefetchedCatalog.Start(new Rejecting(FakeRegistry.Catalog(formulae), "entry 7: no name"), CancellationToken.None);
        var rejected = new List<string>();

        var read = await ToListAsync(catalog.ReadAsync(rejected.Add, CancellationToken.None));

        Assert.Equal(["a", "b", "c"], read.Select(f => f.Name));
        Assert.Equal(["entry 7: no name"], rejected);
    }

    [Fact]
    public async Task ReadAsync_SourceFails_ThrowsItsError()
    {
        await using var catalog = PrefetchedCatalog.Start(new Failing(), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<CatalogUnavailableException>(() => ToListAsync(catalog.ReadAsync(null, CancellationToken.None)));

        Assert.Equal("The catalog could not be read: reset", ex.Message);
    }

    [Fact]
    public async Task DisposeAsync_NeverRead_StopsTheReadAndThrowsNothing()
    {
        var source = new Hanging();
        var catalog = PrefetchedCatalog.Start(source, CancellationToken.None);
        await source.Started.Task.WaitAsync(TimeSpan.FromMinutes(1));

        await catalog.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(source.Cancelled);
    }

    private static async Task<List<Formula>> ToListAsync(IAsyncEnumerable<Formula> formulae)
    {
        var list = new List<Formula>();
        await foreach (var f in formulae)
        {
            list.Add(f);
        }
        return list;
    }

    private sealed class Rejecting(IFormulaSource inner, string entry) : IFormulaSource
    {
        public IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, CancellationToken cancellationToken)
        {
            rejected?.Invoke(entry);
            return inner.ReadAsync(rejected, cancellationToken);
        }
    }

    private sealed class Failing : IFormulaSource
    {
        public async IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new CatalogUnavailableException("The catalog could not be read: reset");
#pragma warning disable CS0162 // an iterator needs a yield to be one
            yield break;
#pragma warning restore CS0162
        }
    }

    private sealed class Hanging : IFormulaSource
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Cancelled { get; private set; }

        public async IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            yield break;
        }
    }
}
