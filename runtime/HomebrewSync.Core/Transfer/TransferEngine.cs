using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using Polly;
using Polly.Timeout;

namespace HomebrewSync.Core.Transfer;

/// <summary>
/// Executes a plan's bottles: bounded concurrency, each blob fetched once however many keys it serves, every
/// byte hashed on the way into the store and committed only when the SHA-256 matches. One bottle's failure
/// is recorded and the run goes on. With a deadline (a time-budgeted host), a bottle starts only when its
/// worst case (every attempt and every backoff) fits before it; one that still runs out of time is failed
/// with that reason, never silently left for later.
/// </summary>
internal sealed class TransferEngine
{
    private const int BufferSize = 128 * 1024;

    /// <summary>
    /// A body that brings fewer than <see cref="StallBytes"/> in this long is a stalled connection: the attempt fails (and is
    /// retried) then, not at the end of DOWNLOAD_TIMEOUT, which must allow for the largest bottle on a slow link. A registry that
    /// trickles a few bytes a second would otherwise hold a download slot for every attempt's whole timeout. The window runs
    /// while the bottle's writes run too: a store that takes this long over one write fails the attempt the same way.
    /// </summary>
    public static readonly TimeSpan StallWindow = TimeSpan.FromSeconds(60);

    /// <summary>The least a body must bring in each <see cref="StallWindow"/>.</summary>
    public const int StallBytes = 16 * 1024;
    private readonly IBottleStore _store;
    private readonly IBottleRegistry _registry;
    private readonly SyncSettings _settings;
    private readonly TimeProvider _time;
    private readonly RetryTiming _timing;
    private readonly StagingBudget? _staging;

    public TransferEngine(IBottleStore store, IBottleRegistry registry, SyncSettings settings, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _settings = settings;
        _time = time;
        _timing = new RetryTiming(settings);
        _staging = settings.StagingLimitBytes is { } limit ? new StagingBudget(limit, EnvVars.WorkerStagingLimitMb) : null;
    }

    /// <param name="deadline">When this host must have finished (a Lambda worker's budget); null for none.</param>
    /// <param name="sizesSoFar">Blob sizes learnt while the plan's are still unknown (sizing runs beside the transfer).</param>
    public async Task<TransferResult> RunAsync(
        SyncPlan plan,
        HashFileCheckpointer checkpointer,
        ProgressTracker progress,
        ISyncObserver observer,
        DateTimeOffset? deadline,
        CancellationToken cancellationToken,
        LearntSizes? sizesSoFar = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(checkpointer);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(observer);
        var started = _time.GetTimestamp();
        var run = new TransferRun(plan, checkpointer, progress, observer, ResiliencePipelines.Create(_settings, _time, observer.Retrying), deadline, sizesSoFar);
        // The largest blobs known start first: the longest download does not start last and run alone at the end.
        var order = new TransferOrder(plan.Bottles.GroupBy(b => b.Sha256, StringComparer.Ordinal).Select(g => g.ToArray()).ToArray(), sizesSoFar);

        // The budget is a safety net under the per-bottle deadlines: nothing may run past it.
        using var budget = deadline is { } end ? new CancellationTokenSource(Max(end - _time.GetUtcNow(), TimeSpan.Zero), _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        using var slots = new DownloadSlots(_settings.MaxConcurrentDownloads);
        var inHand = DownloadSlots.InHand(_settings.MaxConcurrentDownloads);
        EnoughPoolThreadsFor(inHand);
        var options = new ParallelOptions { MaxDegreeOfParallelism = inHand, CancellationToken = cancellationToken };
        try
        {
            await Parallel.ForEachAsync(slots.TurnsAsync(order, cancellationToken), options,
                (turn, _) => new ValueTask(TransferGroupAsync(run, turn, linked.Token, cancellationToken, budget.Token)));
        }
        catch
        {
            // Whatever happened, what is stored gets recorded: a cancelled or failed run resumes from here. The failure that
            // ended the transfer is the one reported, not a lease found lost by that last write (which then writes nothing).
            try
            {
                await checkpointer.FlushAsync(CancellationToken.None);
            }
            catch (StoreLeaseLostException)
            {
            }
            throw;
        }
        await checkpointer.FlushAsync(CancellationToken.None);
        return new TransferResult(run.Stored.ToArray(), run.Failed.ToArray(), run.NotStarted.ToArray(), run.Transferred, run.StoredBytes, _time.GetElapsedTime(started));
    }

    /// <summary>
    /// File work blocks a pool thread for each create, write, flush and rename (on Linux a file's async API runs the call on a
    /// pool thread), and every bottle in hand can be in one. With the pool's minimum at the core count, a few flushes held
    /// up every download's continuations until the pool grew: 1,500 small bottles at 40 ms took about 7% longer. The minimum
    /// is raised to the bottles in hand, never lowered.
    /// </summary>
    private static void EnoughPoolThreadsFor(int bottles)
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < bottles)
        {
            ThreadPool.SetMinThreads(bottles, completionPorts);
        }
    }

    /// <summary>One blob and every bottle it serves: started when its worst case fits the deadline, stored once, copied to its other keys, recorded.</summary>
    /// <param name="turn">The blob, and the download slot it holds until its bytes are verified.</param>
    /// <param name="ct">The run's token (the caller's and the budget's).</param>
    private async Task TransferGroupAsync(TransferRun run, DownloadSlots.Turn turn, CancellationToken ct, CancellationToken caller, CancellationToken budget)
    {
        using var slot = turn.Slot;
        var group = turn.Group;
        // A bottle starts only when its worst case fits what is left; its retries then answer to the host's deadline.
        DateTimeOffset? worstEnd = run.Deadline is null ? null : _time.GetUtcNow() + _timing.WorstCase;
        // The first bottle always starts (its worst case fits the budget by configuration), so every invocation makes progress.
        var isFirst = run.TakeFirst();
        if (run.Deadline is { } hostEnd && !isFirst && (worstEnd > hostEnd || ct.IsCancellationRequested))
        {
            // Not enough time left to finish it for sure: the next invocation starts it.
            foreach (var b in group)
            {
                run.NotStarted.Enqueue(b);
            }
            return;
        }
        // A key whose object holds a listed bottle of other bytes fails alone; the blob's other keys are stored as ever.
        if (Array.FindAll(group, b => run.Displaces(b) is not null) is { Length: > 0 } displaced)
        {
            foreach (var b in displaced)
            {
                var f = new BottleFailure(b, FailureKind.Kept, run.Displaces(b)!);
                run.Failed.Enqueue(f);
                run.Observer.BottleFailed(f);
            }
            run.Progress.Failed(displaced.Length);
            group = Array.FindAll(group, b => run.Displaces(b) is null);
            if (group.Length == 0)
            {
                return;
            }
        }
        var primary = group[0];
        run.Progress.Started(primary);
        long size;
        bool alreadyPresent;
        try
        {
            (size, alreadyPresent, var fetched) = await StorePrimaryAsync(primary, run.Plan.Force, run.ListsForItsBytes(primary), run.SyncDate, run.ApiUrl, run.Progress, run.Pipeline,
                run.Deadline, run.SizesSoFar, isFirst, slot, ct);
            run.AddTransferred(fetched);
            // Downloaded (or found in the store): its copies and its record are made beside the next downloads.
            slot.Dispose();
            foreach (var other in group.Skip(1).Where(o => o.ObjectKey != primary.ObjectKey))
            {
                await _store.CopyAsync(primary.ObjectKey, other.ObjectKey, MetadataOf(other, run.SyncDate, run.ApiUrl), ct);
            }
        }
        catch (NotStartedException)
        {
            // It waited for staging space until its worst case no longer fit: never started, so the next invocation starts it.
            foreach (var b in group)
            {
                run.NotStarted.Enqueue(b);
            }
            return;
        }
        catch (Exception ex) when (Classify(ex, caller, budget) is { } failure)
        {
            foreach (var b in group)
            {
                var f = new BottleFailure(b, failure.Kind, failure.Reason);
                run.Failed.Enqueue(f);
                run.Observer.BottleFailed(f);
            }
            run.Progress.Failed(group.Length);
            return;
        }
        foreach (var b in group)
        {
            run.Checkpointer.Add(b.Key, EntryOf(b, size, run.SyncDate));
            run.Stored.Enqueue(b);
            run.AddStored(size);
            run.Observer.BottleStored(b, size, alreadyPresent);
        }
        run.Progress.Completed(group.Length);
        // Every key of the blob is recorded and reported before any write: one that finds a batch due writes it (and the batches
        // that come due while it writes), and its keys are in the first of them.
        await run.Checkpointer.WriteIfDueAsync(caller);
    }

    private async Task<(long Size, bool AlreadyPresent, long Fetched)> StorePrimaryAsync(
        PlannedBottle bottle, bool force, bool listedForItsBytes, DateOnly syncDate, Uri apiUrl, ProgressTracker progress, ResiliencePipeline pipeline, DateTimeOffset? deadline,
        LearntSizes? sizesSoFar, bool isFirst, IDisposable slot, CancellationToken cancellationToken)
    {
        // A killed run may have committed this file without recording it; verified bytes need no second download. One gone
        // again between the check and the look at its size (removed by hand) is downloaded, never recorded at size 0.
        if (!force && await _store.HoldsVerifiedAsync(bottle.ObjectKey, bottle.Sha256, cancellationToken)
            && await _store.GetAsync(bottle.ObjectKey, cancellationToken) is { } existing)
        {
            return (existing.Size, true, 0);
        }
        // The same bytes under an earlier layout's name: renamed in the store, not downloaded again.
        if (!force && bottle.CopyFrom is { } source && await _store.HoldsVerifiedAsync(source, bottle.Sha256, cancellationToken))
        {
            await _store.CopyAsync(source, bottle.ObjectKey, MetadataOf(bottle, syncDate, apiUrl), cancellationToken);
            var copied = await _store.GetAsync(bottle.ObjectKey, cancellationToken)
                ?? throw new IOException($"{_store.Describe(bottle.ObjectKey)} was gone right after it was copied there");
            return (copied.Size, true, 0);
        }
        // Staged bytes stay within the host's disk: a bottle waits until its size fits beside those in flight.
        var known = bottle.Size ?? (sizesSoFar is not null && sizesSoFar.TryGet(bottle.Sha256, out var learnt) ? learnt : null);
        using var reservation = _staging is null ? null : await ReserveAsync(bottle.Key, known, deadline, isFirst, cancellationToken);
        await using var stage = await _store.StageAsync(bottle.ObjectKey, bottle.Size, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ResiliencePipelines.Subject, bottle.Key);
        if (deadline is { } d)
        {
            context.Properties.Set(ResiliencePipelines.Deadline, d);
        }
        long fetched = 0;
        try
        {
            var size = await pipeline.ExecuteAsync(
                async (ctx, state) =>
                {
                    var (bytes, total) = await AttemptAsync(state, bottle, sizesSoFar, progress, ctx.CancellationToken);
                    Interlocked.Add(ref fetched, total);
                    return bytes;
                },
                context,
                stage);
            // Verified: the slot goes to the next download while this one is moved into place and recorded.
            slot.Dispose();
            // An object the hash file lists for these very bytes is this bottle's own (damaged, or a forced download): written over.
            // Anything else at the key is left as it is.
            await CommitAsync(stage, MetadataOf(bottle, syncDate, apiUrl), bottle, listedForItsBytes, cancellationToken);
            return (size, false, Interlocked.Read(ref fetched));
        }
        catch (Exception ex) when (context.Properties.TryGetValue(ResiliencePipelines.StoppedByDeadline, out var why))
        {
            throw new BottleDownloadException(FailureKind.Budget, $"{BudgetAdvice}: {why} ({Describe(ex)})", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// Puts the verified bottle at its key, written over only where <paramref name="replace"/> says (the hash file lists the
    /// object there for these very bytes). A commit the store refuses has an object at the key that the checks before the
    /// download did not vouch for: another command's bottle stored meanwhile, or one a run that stopped left unrecorded. Its
    /// own bytes need nothing more; anything else is kept, never written over, and this bottle (with the blob's other keys)
    /// fails. A refusal with nothing at the key (on S3, a 409: another write or a delete of that key racing this one) is
    /// tried again, <see cref="CommitAttempts"/> times in all, <see cref="CommitRetryPause"/> apart (twice that the second time).
    /// </summary>
    /// <exception cref="BottleDownloadException">An object that is not this bottle's is at the key (<see cref="FailureKind.Kept"/>), or the
    /// store kept refusing with nothing there (<see cref="FailureKind.Storage"/>).</exception>
    private async Task CommitAsync(IStagedBottle stage, BottleMetadata metadata, PlannedBottle bottle, bool replace, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await stage.CommitAsync(metadata, replace, cancellationToken) || await _store.HoldsVerifiedAsync(bottle.ObjectKey, bottle.Sha256, cancellationToken))
            {
                return;
            }
            if (await _store.GetAsync(bottle.ObjectKey, cancellationToken) is not null)
            {
                throw new BottleDownloadException(FailureKind.Kept,
                    $"{bottle.ObjectKey} holds other bytes than these, which the hash file does not list there (a bottle another command stored meanwhile, "
                    + "or one a run that stopped left unrecorded): it is not written over; prune removes an object no entry lists once it is a day old, and a sync with a later date stores this one");
            }
            if (attempt == CommitAttempts)
            {
                throw new BottleDownloadException(FailureKind.Storage,
                    $"the store refused {bottle.ObjectKey} {CommitAttempts} times with nothing there (a write or delete of that key racing this one each time); the next run stores it");
            }
            await Task.Delay(CommitRetryPause * attempt, _time, cancellationToken);
        }
    }

    /// <summary>How many times a commit refused with nothing at the key is made in all.</summary>
    internal const int CommitAttempts = 3;

    /// <summary>The pause after a commit refused with nothing at the key, before it is made again (twice that after the second).</summary>
    internal static readonly TimeSpan CommitRetryPause = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Staging space for a bottle, waited for in turn. The wait can be long (the largest start first, and one bottle holds the
    /// space others need), so with a deadline the bottle starts only if its worst case still fits once the space is its own,
    /// and one whose wait runs into the deadline was never started: both go to the next invocation, never fail for the budget.
    /// </summary>
    /// <exception cref="NotStartedException">Not to be started in this invocation.</exception>
    private async Task<IDisposable> ReserveAsync(string subject, long? bytes, DateTimeOffset? deadline, bool isFirst, CancellationToken cancellationToken)
    {
        IDisposable reservation;
        try
        {
            reservation = await _staging!.ReserveAsync(subject, bytes, cancellationToken);
        }
        catch (OperationCanceledException) when (deadline is { } end && _time.GetUtcNow() >= end)
        {
            throw new NotStartedException();
        }
        if (deadline is { } host && !isFirst && _time.GetUtcNow() + _timing.WorstCase > host)
        {
            reservation.Dispose();
            throw new NotStartedException();
        }
        return reservation;
    }

    /// <summary>A bottle that is not to be started in this invocation after all (<see cref="ReserveAsync"/>).</summary>
    private sealed class NotStartedException : Exception;

    private async ValueTask<(long Bytes, long Fetched)> AttemptAsync(IStagedBottle stage, PlannedBottle bottle, LearntSizes? sizesSoFar, ProgressTracker progress,
        CancellationToken cancellationToken)
    {
        await stage.ResetAsync(cancellationToken);
        long total = 0;
        // Three buffers in turn: one being received, one being hashed, one being written. The write of a chunk (the copy
        // into the page cache, the costliest step here) runs while the next chunk is hashed and the one after it received.
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize) };
        // The read and the write still to be awaited; each is taken out before it is awaited, so what is left here at the
        // end is exactly what is still in flight (default when nothing is).
        ValueTask<int> pending = default;
        ValueTask writing = default;
        // Cancels the reads when a window passes without StallBytes: moved on each time they arrive.
        using var stalled = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var reads = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stalled.Token);
        try
        {
            await using var blob = await _registry.OpenBlobAsync(new Uri(bottle.Url), cancellationToken);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var turn = 0;
            long sinceWindow = 0;
            stalled.CancelAfter(StallWindow);
            pending = blob.Body.ReadAsync(buffers[0].AsMemory(0, BufferSize), reads.Token);
            while (true)
            {
                var read = await ReadAsync(Take(ref pending), total, stalled.Token, cancellationToken);
                if (read == 0)
                {
                    break;
                }
                sinceWindow += read;
                if (sinceWindow >= StallBytes)
                {
                    stalled.CancelAfter(StallWindow);
                    sinceWindow = 0;
                }
                var (limit, limitSource) = LimitOf(bottle.Size ?? (sizesSoFar is not null && sizesSoFar.TryGet(bottle.Sha256, out var learnt) ? learnt : null), blob);
                if (total + read > limit)
                {
                    // Not one byte past what was announced is written: staged bytes stay within the plan's sizes.
                    throw new BottleDownloadException(FailureKind.TooLarge, $"body larger than {limitSource} ({limit:N0} bytes); cut off there");
                }
                var chunk = buffers[turn % 3];
                turn++;
                // The buffer after this one is free: the write it last held has been awaited before this chunk's.
                pending = blob.Body.ReadAsync(buffers[turn % 3].AsMemory(0, BufferSize), reads.Token);
                hash.AppendData(chunk, 0, read);
                await Take(ref writing);
                writing = stage.Content.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
                total += read;
                progress.AddBytes(read);
            }
            await Take(ref writing);
            if (blob.Length is { } expected && expected != total)
            {
                throw new TransientFailureException($"body ended after {total:N0} of {expected:N0} bytes", connectionFailure: true);
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, bottle.Sha256, StringComparison.Ordinal))
            {
                throw new BottleDownloadException(FailureKind.ShaMismatch, $"SHA mismatch: expected {bottle.Sha256}, got {actual}");
            }
            return (total, total);
        }
        catch
        {
            // Bytes of a failed attempt are not progress.
            progress.AddBytes(-total);
            throw;
        }
        finally
        {
            // A read or a write still in flight must finish before its buffer goes back to the pool, and before the staging
            // is reset for another attempt or discarded. One is in flight here only when the attempt has already failed, so
            // how it ends is not the error to report.
#pragma warning disable CA1031 // Awaited only so that its buffer is free, whatever it ends with; the attempt's own failure is what propagates.
            try
            {
                await pending;
            }
            catch (Exception)
            {
                // The attempt already failed for another reason.
            }
            try
            {
                await writing;
            }
            catch (Exception)
            {
                // The attempt already failed for another reason.
            }
#pragma warning restore CA1031
            foreach (var buffer in buffers)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The most a body may hold: the smallest size announced (the image index's, Content-Length), else the setting's maximum.</summary>
    private (long Limit, string Source) LimitOf(long? announced, BlobDownload blob)
    {
        var limit = (_settings.MaxBottleBytes, $"the maximum bottle size ({EnvVars.MaxBottleSizeGb})");
        if (announced is { } planned && planned < limit.MaxBottleBytes)
        {
            limit = (planned, "its announced size");
        }
        if (blob.Length is { } length && length < limit.MaxBottleBytes)
        {
            limit = (length, "its Content-Length");
        }
        return limit;
    }

    /// <summary>The operation to await now, leaving nothing in <paramref name="slot"/>: no operation is awaited twice.</summary>
    private static T Take<T>(ref T slot) where T : struct
    {
        var taken = slot;
        slot = default;
        return taken;
    }

    private static async ValueTask<int> ReadAsync(ValueTask<int> pending, long soFar, CancellationToken stalled, CancellationToken cancellationToken)
    {
        try
        {
            return await pending;
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientFailureException($"connection lost after {soFar:N0} bytes: {ex.Message}", null, ex, connectionFailure: true);
        }
        catch (OperationCanceledException ex) when (stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransientFailureException($"connection stalled after {soFar:N0} bytes: less than {StallBytes / 1024:N0} KiB in {StallWindow.TotalSeconds:0} s", null, ex,
                connectionFailure: true);
        }
    }

    private const string BudgetAdvice = "did not finish within the worker's time budget; large or slow bottles go to ECS (lower SIZE_THRESHOLD_GB) or the next run retries it";

    private (FailureKind Kind, string Reason)? Classify(Exception ex, CancellationToken host, CancellationToken budget)
    {
        var attempts = _settings.RetryAttempts + 1;
        return ex switch
        {
            OperationCanceledException when host.IsCancellationRequested => null,
            OperationCanceledException when budget.IsCancellationRequested => (FailureKind.Budget, BudgetAdvice),
            // Cancelled by neither the run nor its budget: a library's own timeout (the AWS SDK's HttpClient gives up with a
            // TaskCanceledException), which fails that bottle, not the run.
            OperationCanceledException => (FailureKind.Timeout, $"timed out: {ex.Message}"),
            BottleDownloadException b => (b.Kind, b.Message),
            TimeoutRejectedException => (FailureKind.Timeout, $"timeout after {attempts} attempts of {_settings.DownloadTimeout.TotalSeconds:0} s"),
            TransientFailureException { IsConnectionFailure: true } t => (FailureKind.Network, $"{t.Message} ({attempts} attempts)"),
            TransientFailureException t => (FailureKind.HttpError, $"{t.Message} after {attempts} attempts"),
            IOException or UnauthorizedAccessException => (FailureKind.Storage, $"store write failed: {ex.Message}"),
            UnsafeStoreKeyException => (FailureKind.Storage, $"store refused it: {ex.Message}"),
            // Whatever else one upstream response makes the HTTP layer throw fails that bottle, not the run.
            NotSupportedException or FormatException or InvalidDataException
                => (FailureKind.HttpError, $"{ex.GetType().Name}: {ex.Message}"),
            _ => null,
        };
    }

    private static string Describe(Exception ex) => ex is TimeoutRejectedException ? "timed out" : ex.Message;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static HashEntry EntryOf(PlannedBottle b, long size, DateOnly syncDate) =>
        new(b.Sha256, DateOf(b, syncDate), size, b.FormulaName, b.FormulaVersion, b.Platform, b.Url, b.ObjectKey);

    internal static BottleMetadata MetadataOf(PlannedBottle b, DateOnly syncDate, Uri catalogUrl) =>
        new(b.FormulaName, b.FormulaVersion, b.Platform, DateOf(b, syncDate), b.Sha256, ProductInfo.SyncVersion, UrlDisplay.Redact(FormulaApiUrl(catalogUrl, b.FormulaName)));

    /// <summary>The bottle's folder date: the plan's, unless it keeps an earlier one (renamed in place).</summary>
    private static DateOnly DateOf(PlannedBottle b, DateOnly syncDate) =>
        b.Date is { } d ? DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture) : syncDate;

    /// <summary>The per-formula API URL beside the catalog (<c>.../api/formula.json</c> to <c>.../api/formula/&lt;name&gt;.json</c>).</summary>
    public static string FormulaApiUrl(Uri catalogUrl, string name)
    {
        ArgumentNullException.ThrowIfNull(catalogUrl);
        var s = catalogUrl.GetLeftPart(UriPartial.Path);
        return s.EndsWith(".json", StringComparison.Ordinal) ? $"{s[..^".json".Length]}/{name}.json" : s;
    }
}
