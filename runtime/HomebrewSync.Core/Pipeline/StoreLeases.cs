using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Runs work under a lease on the store (<see cref="StoreCoordinator"/>): shared for syncs, exclusive for prune and
/// hash-file rebuilds. Syncs wait for an exclusive holder (up to <see cref="MaxLeaseWait"/>, a quarter of a time budget);
/// a lost lease stops the work.
/// </summary>
internal sealed class StoreLeases(IBottleStore bottles, StoreCoordinator coordinator, TimeSpan? timeBudget)
{
    /// <summary>How long a sync waits for a prune or rebuild that holds the store.</summary>
    public static readonly TimeSpan MaxLeaseWait = TimeSpan.FromMinutes(15);

    /// <param name="wait">How long to wait for the lease; by default <see cref="MaxLeaseWait"/> or a quarter of the time budget, whichever is less.</param>
    /// <exception cref="StoreLeaseLostException">The lease was lost while <paramref name="work"/> ran.</exception>
    public async Task<T> UnderLeaseAsync<T>(LeaseMode mode, string purpose, ISyncObserver observer, Func<CancellationToken, Task<T>> work,
        CancellationToken cancellationToken, TimeSpan? wait = null)
    {
        var patience = wait ?? (timeBudget is { } budget && budget / 4 < MaxLeaseWait ? budget / 4 : MaxLeaseWait);
        // A store that cannot be used at all says so before anything is written to it, a lease included.
        await bottles.PrepareAsync(cancellationToken);
        await using var lease = await coordinator.AcquireAsync(mode, purpose, patience, observer.Info, cancellationToken);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        // Each hash-file write and deletion of the work asks the lease first (LeaseScope.EnsureHeld).
        LeaseScope.Enter(lease);
        try
        {
            return await work(linked.Token);
        }
        catch (OperationCanceledException ex) when (lease.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreLeaseLostException($"Stopped: {lease.LostReason}. {LeaseScope.AfterLoss}", ex);
        }
    }
}
