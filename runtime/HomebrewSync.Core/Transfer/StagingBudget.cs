using HomebrewSync.Core.Registry;

namespace HomebrewSync.Core.Transfer;

/// <summary>
/// The bytes a run may stage at once (a Lambda worker's <c>/tmp</c>): a download starts only when its announced size
/// fits beside those already in flight, and waits its turn (first come, first served) rather than overfill the disk.
/// A bottle larger than the whole budget can never fit and fails at once, with the reason.
/// </summary>
internal sealed class StagingBudget(long limit, string setting)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Turn)> _waiting = new();
    private long _used;

    public long Limit => limit;

    /// <summary>Reserves <paramref name="bytes"/> (null: unknown, so the whole budget) until the returned handle is disposed.</summary>
    /// <exception cref="BottleDownloadException">The bottle is larger than the budget.</exception>
    public async Task<IDisposable> ReserveAsync(string subject, long? bytes, CancellationToken cancellationToken)
    {
        var want = bytes ?? limit;
        if (want > limit)
        {
            throw new BottleDownloadException(FailureKind.TooLarge,
                $"{subject} needs {Formatting.Humanize.Bytes(want)} of staging space, more than this host has ({setting} = {Formatting.Humanize.Bytes(limit)}); "
                + "a plan holding it goes to ECS where a cluster is deployed, or raise lambda_sync_ephemeral_storage_mb");
        }
        LinkedListNode<(long, TaskCompletionSource)> node;
        lock (_gate)
        {
            if (_waiting.Count == 0 && _used + want <= limit)
            {
                _used += want;
                return new Reservation(this, want);
            }
            node = _waiting.AddLast((want, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }
        try
        {
            await node.Value.Item2.Task.WaitAsync(cancellationToken);
            return new Reservation(this, want);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                    Admit();
                    throw;
                }
            }
            // Admitted as it was cancelled: give the space back.
            Release(want);
            throw;
        }
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _used -= bytes;
            Admit();
        }
    }

    // Under the lock: lets in waiters from the front while they fit.
    private void Admit()
    {
        while (_waiting.First is { } first && _used + first.Value.Bytes <= limit)
        {
            _used += first.Value.Bytes;
            _waiting.RemoveFirst();
            first.Value.Turn.TrySetResult();
        }
    }

    private sealed class Reservation(StagingBudget owner, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(bytes);
            }
        }
    }
}
