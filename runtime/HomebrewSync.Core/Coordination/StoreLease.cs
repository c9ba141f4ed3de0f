using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Coordination;

/// <summary>
/// A lease this process holds on the store. A beat every second (<see cref="BeatInterval"/>) renews it once a third of its
/// duration has passed; when a renewal finds it taken over, or it has not been renewed by a sixth of the duration before it
/// expires (a hung or failing store, a machine that slept), <see cref="Lost"/> is cancelled so the holder stops before
/// anyone else may start, and an expired lease is never renewed back to life. Disposing releases it.
/// </summary>
internal sealed class StoreLease : IAsyncDisposable
{
    private readonly ILeaseStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _timer;
    private LeaseRecord _record;
    private string _version;
    // Guards the hand-over between a beat and DisposeAsync: once stopped, no beat starts a renewal.
    private readonly Lock _gate = new();
    private bool _stopped;
    private Task _renewal = Task.CompletedTask;
    private int _renewing;
    private int _disposed;
    private DateTimeOffset _renewedAt;

    internal StoreLease(ILeaseStore store, string key, string version, LeaseRecord record, TimeProvider time, TimeSpan duration)
    {
        _store = store;
        Key = key;
        _version = version;
        _record = record;
        _time = time;
        _duration = duration;
        _renewedAt = record.AcquiredAt;
        // A heartbeat, not a wait: it fires every beat while the holder works.
        var beat = BeatInterval(duration);
        _timer = time.CreateTimer(_ => Beat(), null, beat, beat);
    }

    /// <summary>
    /// How often the lease looks at the clock: every second, or every sixth of its duration when that is shorter. The
    /// timer runs on the monotonic clock, which stands still while a machine sleeps, but the look is at the wall clock: a
    /// beat is how soon after waking a holder learns that its lease ran out meanwhile, so it is short, and it costs only a
    /// comparison until a renewal is due.
    /// </summary>
    internal static TimeSpan BeatInterval(TimeSpan duration) => duration / 6 < TimeSpan.FromSeconds(1) ? duration / 6 : TimeSpan.FromSeconds(1);

    /// <summary>The lease object's key (<c>leases/…</c>).</summary>
    public string Key { get; }

    /// <summary>Cancelled when the lease is lost; whatever the holder does with the store runs under it.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Why the lease was lost, once it was.</summary>
    public string? LostReason { get; private set; }

    /// <summary>
    /// Whether the lease is still this holder's to act under, asked by the clock now rather than at the next beat: null while
    /// it is, else why not (and from then on it is lost, <see cref="Lost"/> cancelled).
    /// </summary>
    public string? Check()
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                BeatLocked();
            }
            return _lost.IsCancellationRequested ? LostReason : null;
        }
    }

    private void Beat() => Check();

    /// <summary>
    /// Whether the lease is still this holder's, asked of the store rather than the clock: a renewal now (a conditional
    /// write). A holder whose clock fell behind (a paused virtual machine) learns here that another command found its lease
    /// expired and ended it meanwhile, which the clock alone would not tell it until its next renewal.
    /// </summary>
    /// <returns>Null while it is; else why not (and from then on it is lost, <see cref="Lost"/> cancelled).</returns>
    public async Task<string?> ConfirmAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task running;
            DateTimeOffset? ours = null;
            lock (_gate)
            {
                if (!_stopped)
                {
                    BeatLocked();
                }
                if (_lost.IsCancellationRequested || _stopped)
                {
                    return LostReason ?? $"the lease {Key} was released";
                }
                if (Interlocked.Exchange(ref _renewing, 1) == 0)
                {
                    ours = _time.GetUtcNow();
                    _renewal = RenewOnceAsync(ours.Value);
                }
                running = _renewal;
            }
            // A renewal the beat started first is waited for, then one of this call's own.
            await running.WaitAsync(cancellationToken);
            if (ours is { } at)
            {
                // Refused by the store: lost. A renewal that failed (the store did not answer) proves nothing either way; the
                // clock judges then, as between renewals.
                return _lost.IsCancellationRequested ? LostReason : _renewedAt == at ? null : Check();
            }
        }
    }

    private void BeatLocked()
    {
        if (_lost.IsCancellationRequested)
        {
            return;
        }
        var now = _time.GetUtcNow();
        // Others may take the store once it expires: stop a sixth of the duration before that, renewal or not.
        if (now >= _record.ExpiresAt - (_duration / 6))
        {
            Lose($"the lease {Key} was not renewed in time (it would expire at {_record.ExpiresAt.UtcDateTime:HH:mm:ss} UTC)");
            return;
        }
        // One renewal at a time, once a third of the duration has passed; a beat that finds one still running only checks.
        if (now - _renewedAt < _duration / 3 || Interlocked.Exchange(ref _renewing, 1) == 1)
        {
            return;
        }
        _renewal = RenewOnceAsync(now);
    }

    private async Task RenewOnceAsync(DateTimeOffset now)
    {
        try
        {
            var renewed = _record with { ExpiresAt = now + _duration };
            // A renewal that hangs must not outlast the lease: it is cut off after a sixth of the duration.
            using var timeout = new CancellationTokenSource(_duration / 6, _time);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, timeout.Token);
            var version = await _store.TryReplaceLeaseAsync(Key, renewed.ToBytes(), _version, limit.Token);
            if (version is null)
            {
                Lose($"the lease {Key} was taken over or removed by another command");
                return;
            }
            (_record, _version, _renewedAt) = (renewed, version, now);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A renewal that fails for any reason (a timeout included) is tried again at a later beat, until the lease would run out.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            Volatile.Write(ref _renewing, 0);
        }
    }

    private void Lose(string reason)
    {
        LostReason = reason;
        _lost.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        Task pending;
        lock (_gate)
        {
            _stopped = true;
            pending = _renewal;
        }
        await _timer.DisposeAsync();
        // A renewal already under way finishes (or is cut short) before the lease is judged ours to remove.
        await _stop.CancelAsync();
        await pending;
        if (!_lost.IsCancellationRequested)
        {
            // Only our own lease is removed (looked at first, by its version): one taken over since belongs to its new holder.
            await _store.DeleteLeaseAsync(Key, _version, CancellationToken.None);
        }
        _lost.Dispose();
        _stop.Dispose();
    }
}
