using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Pruning;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// <c>prune</c> (the CLI, the weekly orchestrator run): the whole catalog read, then <see cref="MirrorPruner"/> alone at the store.
/// </summary>
public sealed class PruneRun(SyncContext context)
{
    private readonly SyncContext _context = context ?? throw new ArgumentNullException(nameof(context));

    /// <summary>
    /// Removes what the mirror no longer needs: bottles the target tags no longer resolve to, downloaded more than
    /// <paramref name="keepDays"/> days ago, unlisted objects, unused image indexes.
    /// </summary>
    /// <param name="deleteUnlisted">Remove unlisted objects however many there are; without it, more than a few is a refusal (a lost hash file looks like that).</param>
    /// <exception cref="PruneRefusedException">The catalog was not read completely, there is no hash file, or too many objects are unlisted.</exception>
    public async Task<PruneResult> PruneAsync(int keepDays, bool dryRun, ISyncObserver observer, CancellationToken cancellationToken, bool deleteUnlisted = false)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var ports = _context.Ports;
        // Counted, and the first one kept: a catalog of millions of unreadable entries must not become millions of messages.
        var rejected = 0;
        string? firstRejected = null;
        void Reject(string reason)
        {
            firstRejected ??= reason;
            rejected++;
        }
        // Only what prune needs is kept as the catalog streams by, never the formulae themselves (a large catalog would hold them all).
        var wants = await MirrorPruner.WantedAsync(ports.Catalog.ReadAsync(Reject, cancellationToken), _context.Settings.TargetPlatforms, cancellationToken);
        if (rejected > 0)
        {
            // A formula the catalog could not describe would look dropped, and its bottles would go.
            throw new PruneRefusedException($"{rejected:N0} catalog entries could not be read (first: {firstRejected}); nothing is pruned on a partial catalog");
        }
        Task<PruneResult> PruneAsync(CancellationToken ct) =>
            MirrorPruner.PruneAsync(wants, ports.Bottles, ports.HashFile, ports.Documents, keepDays, dryRun, deleteUnlisted,
                _context.Time, observer.Info, ct);
        // Alone at the store: no sync may record a bottle between prune's reading of the hash file and its deletions. A dry run changes nothing.
        return dryRun
            ? await PruneAsync(cancellationToken)
            : await _context.Leases.UnderLeaseAsync(LeaseMode.Exclusive, "prune", observer, PruneAsync, cancellationToken, wait: TimeSpan.Zero);
    }
}
