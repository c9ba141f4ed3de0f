using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Sizing and transfer side by side (the CLI's sync without a download limit): bottles start downloading while the rest
/// are still being sized, and each size reaches the transfer as soon as sizing learns it. A sizing failure stops the
/// transfer and the run fails with the sizing error.
/// </summary>
internal static class SizingBesideTransfer
{
    /// <param name="size">Sizes the plan, telling the given callback each size it learns (sha256, bytes).</param>
    /// <param name="transfer">Transfers, reading the sizes learnt so far; stopped by its token when sizing fails.</param>
    /// <returns>The sized plan and what the transfer did.</returns>
    public static async Task<(PlannedRun Planned, T Transferred)> RunAsync<T>(
        Func<Action<string, long>, CancellationToken, Task<PlannedRun>> size,
        Func<LearntSizes, CancellationToken, Task<T>> transfer,
        CancellationToken cancellationToken)
    {
        var sizesSoFar = new LearntSizes();
        using var stopTransfer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sizing = size(sizesSoFar.Learn, cancellationToken);
        var transferring = transfer(sizesSoFar, stopTransfer.Token);
        if (await Task.WhenAny(sizing, transferring) == sizing && !sizing.IsCompletedSuccessfully)
        {
            // The one failure path of the overlap: sizing failed, so the transfer stops, and the run fails with sizing's error.
            await stopTransfer.CancelAsync();
            try
            {
                await transferring;
            }
            catch (OperationCanceledException)
            {
                // Stopped as asked: sizing's error, thrown next, is the run's.
            }
            await sizing;
        }
        var transferred = await transferring;
        return (await sizing, transferred);
    }
}
