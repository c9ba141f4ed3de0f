using System.Collections.Concurrent;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Serving;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Pull-through (<c>serve --pull-through</c>): a request for a bottle or image index the mirror lacks is looked up in the
/// current catalog (only what the target tags resolve to: nothing else can be made to enter the store), fetched once however
/// many requests ask for it at the same time (a single-flight map), stored under a shared lease on the store exactly as a sync
/// stores it (<see cref="PullTransfer"/>), then served. At most <see cref="PullThroughOptions.MaxConcurrent"/> transfers run at
/// once, each within <see cref="PullThroughOptions.TimeLimit"/>; a transfer runs on when the request that started it hangs up,
/// for the others waiting on it. At most <see cref="WaitingPerSlot"/> transfers per slot wait for one: a miss past that is
/// refused at once, so clients that ask for many bottles and hang up cannot queue work without end ahead of brew's own misses.
/// A transfer that failed once under way (wrong bytes, upstream's error, too large, out of time) is remembered, with the bytes the
/// catalog named, for as long as it took from its start under the lease, and at least <see cref="FailureMemory"/>: the requests
/// for it meanwhile get its answer at once, so a client that asks again and hangs up, over and over, cannot make the server
/// download a bottle that will fail again without pause. Time spent waiting for a slot or the store is not the bottle's fault,
/// and a pull that never began is not remembered.
/// </summary>
public sealed class PullThrough : IBottlePuller, IDisposable
{
    private readonly SyncContext _context;
    private readonly PullThroughOptions _options;
    private readonly ISyncObserver _observer;
    private readonly PullCatalog _catalog;
    private readonly PullTransfer _transfer;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Task<PullOutcome>> _flights = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (PullOutcome Outcome, DateTimeOffset Until)> _failures = new(StringComparer.Ordinal);

    /// <param name="observer">Hears each transfer's progress, retries and warnings (serve's standard error).</param>
    public PullThrough(SyncContext context, PullThroughOptions options, ISyncObserver observer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        _context = context;
        _options = options;
        _observer = observer;
        _catalog = new PullCatalog(context.Ports.Catalog, context.Settings.TargetPlatforms, context.Settings.IncludeDisabled, context.Time, options.CatalogRefresh, observer.Info,
            _stopping.Token);
        _transfer = new PullTransfer(context, observer);
        _slots = new SemaphoreSlim(options.MaxConcurrent, options.MaxConcurrent);
    }

    public PullCounters Counters { get; } = new();

    /// <summary>How many transfers may wait for each of the <see cref="PullThroughOptions.MaxConcurrent"/> slots.</summary>
    public const int WaitingPerSlot = 16;

    /// <summary>The least while a failed transfer's answer is given again, without another transfer.</summary>
    public static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(60);

    Task<PullOutcome> IBottlePuller.PullBlobAsync(string image, string sha256, CancellationToken cancellationToken) =>
        PullAsync(c => c.ByDigest.TryGetValue((image, sha256), out var v) ? Bottles(v, v.Bottles.Where(b => b.File.Sha256 == sha256).ToArray()) : null,
            $"the current catalog names no bottle sha256:{sha256} of {image} for this mirror's tags ({string.Join(", ", _context.Settings.TargetPlatforms)})", cancellationToken);

    Task<PullOutcome> IBottlePuller.PullFileAsync(string fileName, CancellationToken cancellationToken) =>
        PullAsync(c => c.ByFileName.TryGetValue(fileName, out var found) ? Bottles(found.Version, [found.Bottle]) : null,
            $"the current catalog names no bottle {fileName} for this mirror's tags ({string.Join(", ", _context.Settings.TargetPlatforms)})", cancellationToken);

    Task<PullOutcome> IBottlePuller.PullImageIndexAsync(string image, string reference, CancellationToken cancellationToken) =>
        PullAsync(c => c.ByReference.TryGetValue((image, reference), out var v) ? new Job("index:" + BottleNaming.IndexKey(v.Formula.Name, reference), v, []) : null,
            $"the current catalog names no {image} {reference} with a bottle for this mirror's tags ({string.Join(", ", _context.Settings.TargetPlatforms)})", cancellationToken);

    /// <summary>Stops the transfers under way (serve is shutting down).</summary>
    public void Dispose() => _stopping.Cancel();

    /// <summary>What one transfer does: the bottles of one blob (none for an image index alone), keyed by what it stores.</summary>
    private sealed record Job(string Key, PullCatalog.Version Version, IReadOnlyList<PullCatalog.Bottle> Bottles);

    private static Job Bottles(PullCatalog.Version version, IReadOnlyList<PullCatalog.Bottle> bottles) =>
        new("bottles:" + string.Join(",", bottles.Select(b => BottleNaming.Key(b.Formula.Name, b.Formula.Version, b.Tag))), version, bottles);

    private async Task<PullOutcome> PullAsync(Func<PullCatalog.Snapshot, Job?> find, string absent, CancellationToken cancellationToken)
    {
        Job? job;
        using (var timeout = new CancellationTokenSource(_options.TimeLimit, _context.Time))
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token, timeout.Token))
        {
            try
            {
                job = find(await _catalog.CurrentAsync(limit.Token));
                // An image index kept already (a pull of another tag's bottle, a sync) is served without a lease.
                if (job is { Bottles.Count: 0 } && await _transfer.KeptIndexAsync(job.Version, limit.Token) is { } kept)
                {
                    return new PullOutcome(PullStatus.Stored, kept);
                }
            }
            catch (Exception ex) when (ex is CatalogUnavailableException or CatalogFormatException)
            {
                Counters.AddFailed();
                return PullOutcome.Failed("the catalog could not be read (the server's log says why)", $"the catalog could not be read: {ex.Message}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                Counters.AddFailed();
                return PullOutcome.Failed($"the catalog was not read within the pull time limit ({_options.TimeLimit.TotalSeconds:0} s)");
            }
        }
        if (job is null)
        {
            Counters.AddNotInCatalog();
            return PullOutcome.NotInCatalog(absent);
        }
        if (Remembered(MemoryKey(job)) is { } failed)
        {
            Counters.AddFailed();
            return failed;
        }
        var mine = new TaskCompletionSource<PullOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flight = _flights.GetOrAdd(job.Key, mine.Task);
        if (flight != mine.Task)
        {
            var shared = await flight.WaitAsync(cancellationToken);
            if (shared.Status == PullStatus.Pulled)
            {
                Counters.AddJoined();
                return shared with { Status = PullStatus.Joined };
            }
            return shared;
        }
        if (_flights.Count > _options.MaxConcurrent * (1 + WaitingPerSlot))
        {
            // Refused for every request that joined it meanwhile too; the next miss for it starts afresh.
            var busy = PullOutcome.Failed($"pull-through is busy: {_options.MaxConcurrent * WaitingPerSlot:N0} transfers already wait for one of {_options.MaxConcurrent} slots ({EnvVars.ServePullConcurrency}); try again later");
            Counters.AddFailed();
            _flights.TryRemove(new KeyValuePair<string, Task<PullOutcome>>(job.Key, mine.Task));
            mine.SetResult(busy);
            return busy;
        }
        // Not awaited here: the transfer goes on for the others when this request's client hangs up.
        _ = FlyAsync(job, mine);
        return await mine.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// What a failure is remembered under: the job and the bytes the catalog names for its version, so a version upstream has
    /// poured again since (a new sha256 after a wrong one) is pulled afresh once the catalog is read again.
    /// </summary>
    private static string MemoryKey(Job job) => $"{job.Key}|{string.Join(",", job.Version.Bottles.Select(b => b.File.Sha256))}";

    /// <summary>The answer of a transfer for <paramref name="key"/> that failed lately, said to be that; null when there is none.</summary>
    private PullOutcome? Remembered(string key)
    {
        if (!_failures.TryGetValue(key, out var failed))
        {
            return null;
        }
        if (_context.Time.GetUtcNow() >= failed.Until)
        {
            _failures.TryRemove(new KeyValuePair<string, (PullOutcome, DateTimeOffset)>(key, failed));
            return null;
        }
        var again = $" (a pull that failed lately; tried again from {failed.Until:HH:mm:ss} UTC)";
        return failed.Outcome with { Reason = failed.Outcome.Reason + again, Detail = failed.Outcome.Detail is { } d ? d + again : null };
    }

    /// <summary>Keeps a failed transfer's answer for as long as it took, and at least <see cref="FailureMemory"/>; drops those past their time.</summary>
    private void Remember(string key, PullOutcome outcome, DateTimeOffset started)
    {
        var now = _context.Time.GetUtcNow();
        foreach (var (k, f) in _failures)
        {
            if (now >= f.Until)
            {
                _failures.TryRemove(new KeyValuePair<string, (PullOutcome, DateTimeOffset)>(k, f));
            }
        }
        var took = now - started;
        _failures[key] = (outcome, now + (took > FailureMemory ? took : FailureMemory));
    }

    private async Task FlyAsync(Job job, TaskCompletionSource<PullOutcome> done)
    {
        Counters.Started();
        try
        {
            var (outcome, ran) = await TransferAsync(job);
            if (outcome.Status == PullStatus.Failed && ran is { } started)
            {
                Remember(MemoryKey(job), outcome, started);
            }
            if (outcome.Status == PullStatus.Pulled)
            {
                Counters.AddPulled();
            }
            else if (outcome.Status == PullStatus.Failed)
            {
                Counters.AddFailed();
                _observer.Info($"warning: pull-through failed: {outcome.Logged}");
            }
            _flights.TryRemove(new KeyValuePair<string, Task<PullOutcome>>(job.Key, done.Task));
            done.SetResult(outcome);
        }
#pragma warning disable CA1031 // Not swallowed: every request waiting on this transfer gets the exception (the host answers 500 and logs it).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.AddFailed();
            _flights.TryRemove(new KeyValuePair<string, Task<PullOutcome>>(job.Key, done.Task));
            done.SetException(ex);
        }
        finally
        {
            Counters.Ended();
        }
    }

    /// <summary>
    /// One transfer: a slot, the store's shared lease, then the work, all within the time limit. <c>Ran</c>: when the work began,
    /// slot and lease held; null when it never did (the time limit spent waiting for them, the store held by another command, the
    /// lease lost), which says nothing of the bottle and is not remembered.
    /// </summary>
    private async Task<(PullOutcome Outcome, DateTimeOffset? Ran)> TransferAsync(Job job)
    {
        using var limit = new CancellationTokenSource(_options.TimeLimit, _context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, _stopping.Token);
        var slot = false;
        DateTimeOffset? ran = null;
        try
        {
            await _slots.WaitAsync(linked.Token);
            slot = true;
            var outcome = await _context.Leases.UnderLeaseAsync(LeaseMode.Shared, "pull-through", _observer, ct =>
                {
                    ran = _context.Time.GetUtcNow();
                    return job.Bottles.Count == 0 ? _transfer.ImageIndexAsync(job.Version, ct) : _transfer.BottleAsync(job.Version, job.Bottles, ct);
                },
                linked.Token, wait: _options.TimeLimit);
            return (outcome, ran);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return (PullOutcome.Failed($"not done within the pull time limit ({_options.TimeLimit.TotalSeconds:0} s, {EnvVars.ServePullTimeoutSeconds})"), ran);
        }
        catch (StoreBusyException ex)
        {
            // Who holds the store (host, process, paths) is for the server's log, not for every client.
            return (PullOutcome.Failed("the store is held by another command (a prune or a repair); try again later", ex.Message), null);
        }
        catch (StoreLeaseLostException ex)
        {
            return (PullOutcome.Failed("the store's lease was lost during the pull; nothing was stored; try again", ex.Message), null);
        }
        finally
        {
            if (slot)
            {
                _slots.Release();
            }
        }
    }
}
