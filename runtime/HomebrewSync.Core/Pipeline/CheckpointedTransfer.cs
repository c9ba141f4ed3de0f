using HomebrewSync.Contracts;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// The transfer every run shares: the engine over a plan, the hash file checkpointed as bottles are stored, the host's live
/// progress and (without a time budget) Slack progress updates until it ends.
/// </summary>
internal sealed class CheckpointedTransfer(SyncContext context)
{
    /// <param name="sizesSoFar">Sizes learnt after the plan was made: a body already downloading is held to its size from then on, and the largest start first.</param>
    public async Task<(TransferResult Transfer, HashFile HashFile)> RunAsync(
        SyncPlan plan, HashFileSnapshot? snapshot, ProgressTracker progress, RunDisplay display, DateTimeOffset? deadline, CancellationToken cancellationToken,
        LearntSizes? sizesSoFar = null)
    {
        if (plan.Bottles.Count == 0 && snapshot is not null)
        {
            // Nothing new (the usual re-run): nothing to start, and the hash file stays as it was read.
            return (new TransferResult([], [], [], 0, 0, TimeSpan.Zero), snapshot.HashFile);
        }
        var checkpointer = new HashFileCheckpointer(context.Ports.HashFile, snapshot, context.Settings.BatchSize, context.Time, display.Observer);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var any = plan.Bottles.Count > 0;
        var live = any && display.Live is { } show ? show(progress, stop.Token) : Task.CompletedTask;
        // Slack progress updates are for long runs on hosts without a time budget (ECS, the CLI).
        var updates = any && deadline is null ? context.Notifications.For(null, plan).RunProgressUpdatesAsync(progress, stop.Token) : Task.CompletedTask;
        try
        {
            var transfer = await context.Engine.RunAsync(plan, checkpointer, progress, display.Observer, deadline, cancellationToken, sizesSoFar);
            return (transfer, checkpointer.HashFile);
        }
        finally
        {
            await stop.CancelAsync();
            await live;
            await updates;
        }
    }
}
