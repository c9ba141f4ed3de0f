using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Coordination;

/// <summary>
/// A lease this process holds on the store. It is renewed every third of its duration; when a renewal finds it taken
/// over, or it cannot be renewed before it would expire, <see cref="Lost"/> is cancelled so the holder stops before
/// anyone else may start. Disposing releases it.
/// </summary>
public sealed class StoreLease : IAsyncDisposable
{
    private readonly ILeaseStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _timer;
    private LeaseRecord _record;
    private string _version;
    private Task _renewal = Task.CompletedTask;
    private int _renewing;
    private int _disposed;

    internal StoreLease(ILeaseStore store, string key, string version, LeaseRecord record, TimeProvider time, TimeSpan duration)
    {
        _store = store;
        Key = key;
        _version = version;
        _record = record;
        _time = time;
        _duration = duration;
        // A heartbeat, not a wait: it fires every third of the duration while the holder works.
        _timer = time.CreateTimer(_ => Renew(), null, duration / 3, duration / 3);
    }

    /// <summary>The lease object's key (<c>leases/…</c>).</summary>
    public string Key { get; }

    /// <summary>Cancelled when the lease is lost; whatever the holder does with the store runs under it.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Why the lease was lost, once it was.</summary>
    public string? LostReason { get; private set; }

    private void Renew()
    {
        // One renewal at a time; a beat that finds one still running is skipped.
        if (_stop.IsCancellationRequested || _lost.IsCancellationRequested || Interlocked.Exchange(ref _renewing, 1) == 1)
        {
            return;
        }
        _renewal = RenewOnceAsync();
    }

    private async Task RenewOnceAsync()
    {
        try
        {
            var renewed = _record with { ExpiresAt = _time.GetUtcNow() + _duration };
            var version = await _store.TryReplaceLeaseAsync(Key, renewed.ToBytes(), _version, _stop.Token);
            if (version is null)
            {
                Lose($"the lease {Key} was taken over or removed by another command");
                return;
            }
            (_record, _version) = (renewed, version);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A renewal that fails for any reason is tried again at the next beat, until the lease would run out.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Others may take the store once it expires: stop a sixth of the duration before that.
            if (_time.GetUtcNow() >= _record.ExpiresAt - (_duration / 6))
            {
                Lose($"the lease {Key} could not be renewed before it expired ({ex.Message})");
            }
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
        await _timer.DisposeAsync();
        await _stop.CancelAsync();
        await _renewal;
        if (!_lost.IsCancellationRequested)
        {
            // Only our own lease is removed: one taken over since belongs to its new holder.
            var current = await _store.ReadLeaseAsync(Key, CancellationToken.None);
            if (current is { } c && c.Version == _version)
            {
                await _store.DeleteLeaseAsync(Key, CancellationToken.None);
            }
        }
        _lost.Dispose();
        _stop.Dispose();
    }
}
