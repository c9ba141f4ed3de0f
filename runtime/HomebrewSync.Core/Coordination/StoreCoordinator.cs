using HomebrewSync.Contracts;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Coordination;

/// <summary>
/// Lets commands on any number of machines take turns at one store through lease objects in the store itself: a shared
/// lease per sync (<c>leases/shared-&lt;id&gt;.json</c>) and one exclusive lease (<c>leases/exclusive.json</c>, created only
/// where none exists). Each side writes its own lease first and then looks for the other's, so of a sync and a prune
/// starting together at least one sees the other and steps back. A lease whose holder stopped renewing it (a crash,
/// kill -9) expires after its duration (and half again, for clocks that disagree) and is ignored or taken over.
/// </summary>
public sealed class StoreCoordinator
{
    public const string Prefix = "leases/";
    public const string ExclusiveKey = Prefix + "exclusive.json";
    private const string SharedPrefix = Prefix + "shared-";
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WaitNoticeEvery = TimeSpan.FromSeconds(30);

    private readonly ILeaseStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly string _location;

    /// <summary>The longest a lease lasts unless renewed, whatever a holder's STORE_LEASE_SECONDS.</summary>
    private static readonly TimeSpan MaxLease = TimeSpan.FromSeconds(Settings.StoreLeaseSeconds.Max!.Value);

    /// <summary>How far past its stated expiry another machine's lease is still honoured: half a lease, for clocks that disagree.</summary>
    private TimeSpan Skew => _duration / 2;

    /// <param name="duration">How long a lease lasts without renewal (STORE_LEASE_SECONDS).</param>
    /// <param name="location">The store, for messages.</param>
    public StoreCoordinator(ILeaseStore store, TimeProvider time, TimeSpan duration, string location)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        _store = store;
        _time = time;
        _duration = duration;
        _location = location;
    }

    /// <summary>Takes a lease, waiting up to <paramref name="wait"/> (zero: not at all) while another command holds the store.</summary>
    /// <exception cref="StoreBusyException">The store was still held when the wait ended; it names the holder.</exception>
    internal async Task<StoreLease> AcquireAsync(LeaseMode mode, string purpose, TimeSpan wait, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        var start = _time.GetUtcNow();
        var sharedKey = $"{SharedPrefix}{Guid.NewGuid():N}.json";
        var noticed = DateTimeOffset.MinValue;
        while (true)
        {
            var (lease, holder, holderKey) = mode == LeaseMode.Exclusive
                ? await TryExclusiveAsync(purpose, cancellationToken)
                : await TrySharedAsync(sharedKey, purpose, cancellationToken);
            if (lease is not null)
            {
                return lease;
            }
            var now = _time.GetUtcNow();
            if (holder is null)
            {
                // Changed under us between two reads: look again at once.
                continue;
            }
            if (now - start >= wait)
            {
                throw new StoreBusyException(
                    $"the store {_location} is in use by {holder.Describe(now)}"
                    + (wait > TimeSpan.Zero ? $"; waited {Formatting.Humanize.Duration(now - start)}" : "")
                    + $". {(holder.Mode == nameof(LeaseMode.Exclusive).ToLowerInvariant() ? "Try again when it has finished" : "Run it when no sync is running")}; "
                    + (holder.ExpiresAt - now > MaxLease + Skew
                        // No holder renews a lease that far ahead (STORE_LEASE_SECONDS is capped): a clock far off, or an object this tool did not write.
                        ? $"its lease runs out further ahead than any lease lasts, so it will not end by itself: once you know no command is working on the store, remove {holderKey}."
                        : "a holder that crashed gives the store up when its lease expires."));
            }
            if (now - noticed >= WaitNoticeEvery)
            {
                log($"Waiting for the store: it is in use by {holder.Describe(now)}");
                noticed = now;
            }
            await Task.Delay(Poll, _time, cancellationToken);
        }
    }

    private LeaseRecord NewRecord(LeaseMode mode, string purpose)
    {
        var now = _time.GetUtcNow();
        return new LeaseRecord(mode.ToString().ToLowerInvariant(), purpose, Environment.MachineName, Environment.ProcessId, now, now + _duration);
    }

    private async Task<(StoreLease? Lease, LeaseRecord? Holder, string? HolderKey)> TryExclusiveAsync(string purpose, CancellationToken cancellationToken)
    {
        var record = NewRecord(LeaseMode.Exclusive, purpose);
        var bytes = record.ToBytes();
        var version = await _store.TryCreateLeaseAsync(ExclusiveKey, bytes, cancellationToken);
        if (version is null)
        {
            if (await _store.ReadLeaseAsync(ExclusiveKey, cancellationToken) is not { } existing)
            {
                return (null, null, null);
            }
            var held = LeaseRecord.Parse(existing.Content);
            if (held is not null && !held.IsExpired(_time.GetUtcNow(), Skew))
            {
                return (null, held, ExclusiveKey);
            }
            // Its holder stopped renewing it: take it over, unless someone else just did.
            version = await _store.TryReplaceLeaseAsync(ExclusiveKey, bytes, existing.Version, cancellationToken);
            if (version is null)
            {
                return (null, null, null);
            }
        }
        // Ours now; a sync that announced itself first still runs, so step back for it.
        try
        {
            await foreach (var key in _store.ListLeasesAsync(cancellationToken))
            {
                // Only a sync's lease: a stray file under leases/ (leases/shared-x.json) is no lease, and holds nothing.
                if (!key.StartsWith(SharedPrefix, StringComparison.Ordinal) || !IsLeaseKey(key))
                {
                    continue;
                }
                var shared = await _store.ReadLeaseAsync(key, cancellationToken);
                if (shared is { } s && LeaseRecord.Parse(s.Content) is { } sync)
                {
                    if (!sync.IsExpired(_time.GetUtcNow(), Skew))
                    {
                        // Only the lease this look wrote: should it have been taken over meanwhile (this command paused past its
                        // expiry), the new holder's is left alone.
                        await _store.DeleteLeaseAsync(ExclusiveKey, version, cancellationToken);
                        return (null, sync, key);
                    }
                    // Its holder stopped renewing it. Ended (a conditional write: not if it renewed it meanwhile) and removed, so a
                    // holder that was only paused (its clock behind) fails its next renewal and stops, rather than go on beside
                    // this prune; a sync's key is its own, never reused. Renewed meanwhile: that sync is alive (its clock behind
                    // this one), and the store has the last word: this prune steps back, as a sync does for a prune that renewed.
                    // Gone meanwhile instead (the sync finished): nothing holds the store there.
                    if (await EndAsync(key, sync, s.Version, remove: true, cancellationToken) == false
                        && await _store.ReadLeaseAsync(key, cancellationToken) is { } now && LeaseRecord.Parse(now.Content) is { } renewed)
                    {
                        await _store.DeleteLeaseAsync(ExclusiveKey, version, cancellationToken);
                        return (null, renewed, key);
                    }
                }
            }
        }
        catch
        {
            await WithdrawAsync(ExclusiveKey, version);
            throw;
        }
        return (new StoreLease(_store, ExclusiveKey, version, record, _time, _duration), null, null);
    }

    private async Task<(StoreLease? Lease, LeaseRecord? Holder, string? HolderKey)> TrySharedAsync(string key, string purpose, CancellationToken cancellationToken)
    {
        var record = NewRecord(LeaseMode.Shared, purpose);
        var version = await _store.TryCreateLeaseAsync(key, record.ToBytes(), cancellationToken)
            ?? throw new InvalidOperationException($"the lease {key} already exists");
        try
        {
            if (await _store.ReadLeaseAsync(ExclusiveKey, cancellationToken) is { } e && LeaseRecord.Parse(e.Content) is { } exclusive)
            {
                if (!exclusive.IsExpired(_time.GetUtcNow(), Skew))
                {
                    await _store.DeleteLeaseAsync(key, version, cancellationToken);
                    return (null, exclusive, ExclusiveKey);
                }
                // Its holder stopped renewing it: ended (marked expired, by a conditional write), so a prune that was only
                // paused (its clock behind) fails its next renewal or confirmation and deletes nothing more beside this sync.
                // Ended or renewed by someone else meanwhile: look again.
                if (exclusive.ExpiresAt != DateTimeOffset.UnixEpoch && await EndAsync(ExclusiveKey, exclusive, e.Version, remove: false, cancellationToken) == false)
                {
                    await _store.DeleteLeaseAsync(key, version, cancellationToken);
                    return (null, null, null);
                }
            }
        }
        catch
        {
            await WithdrawAsync(key, version);
            throw;
        }
        return (new StoreLease(_store, key, version, record, _time, _duration), null, null);
    }

    /// <summary>
    /// Ends a lease whose holder stopped renewing it: rewritten as expired only while it is still the version read (a
    /// conditional write), then removed when <paramref name="remove"/> (a sync's, whose key is never used again).
    /// </summary>
    /// <returns>Whether it was ended; false when it changed meanwhile; null when the store failed (the lease is then only
    /// ignored, as an expired one always was: this is a courtesy to a paused holder, not a condition of going on).</returns>
    private async Task<bool?> EndAsync(string key, LeaseRecord expired, string version, bool remove, CancellationToken cancellationToken)
    {
        try
        {
            if (await _store.TryReplaceLeaseAsync(key, (expired with { ExpiresAt = DateTimeOffset.UnixEpoch }).ToBytes(), version, cancellationToken) is not { } ended)
            {
                return false;
            }
            if (remove)
            {
                await _store.DeleteLeaseAsync(key, ended, cancellationToken);
            }
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the lease just written when the look for the other side's failed (the store stopped answering, the command
    /// was cancelled): nothing would renew it, and until it expired it would hold the store for a command that is not running.
    /// </summary>
    private async Task WithdrawAsync(string key, string version)
    {
#pragma warning disable CA1031 // Best effort: the look's own failure is what propagates; a lease left behind still expires.
        try
        {
            await _store.DeleteLeaseAsync(key, version, CancellationToken.None);
        }
        catch (Exception)
        {
            // It expires on its own.
        }
#pragma warning restore CA1031
    }

    /// <summary>Whether a key is one of the lease objects (the only keys lease deletion accepts).</summary>
    public static bool IsLeaseKey(string key) =>
        key == ExclusiveKey
        || (key.StartsWith(SharedPrefix, StringComparison.Ordinal) && key.EndsWith(".json", StringComparison.Ordinal)
            && key.Length == SharedPrefix.Length + 32 + 5 && key[SharedPrefix.Length..^5].All(char.IsAsciiHexDigitLower));
}
