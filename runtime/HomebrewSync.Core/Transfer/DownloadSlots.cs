using System.Runtime.CompilerServices;
using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Transfer;

/// <summary>
/// The run's download slots (<c>--concurrency</c>, the hard cap on downloads at once). A bottle takes one before its blob is
/// chosen, so blobs start in <see cref="TransferOrder"/>'s order, and gives it back as soon as its bytes are verified (or it
/// needs none): moving the verified file into place, copying it to its other keys and recording it are done outside the
/// slot, by up to <see cref="Beside"/> more bottles in hand.
/// </summary>
internal sealed class DownloadSlots(int downloads) : IDisposable
{
    private readonly SemaphoreSlim _free = new(downloads, downloads);

    /// <summary>
    /// The bottles being stored or recorded beside the downloads: a quarter as many, rounded down (none below 4: with <c>--concurrency 1</c>
    /// a bottle is stored and recorded before the next one starts, as one asking for one at a time expects).
    /// </summary>
    public static int Beside(int downloads) => downloads / 4;

    /// <summary>The bottles a run has in hand at once: those downloading and those beside them.</summary>
    public static int InHand(int downloads) => downloads + Beside(downloads);

    /// <summary>Each blob in <paramref name="order"/>'s order, with the slot taken for it; ends when every blob has had its turn.</summary>
    public async IAsyncEnumerable<Turn> TurnsAsync(TransferOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        while (true)
        {
            await _free.WaitAsync(cancellationToken);
            var slot = new Slot(_free);
            // Chosen once a slot is free, so a size learnt meanwhile still counts.
            if (order.Next() is not { } group)
            {
                slot.Dispose();
                yield break;
            }
            yield return new Turn(group, slot);
        }
    }

    public void Dispose() => _free.Dispose();

    /// <summary>One blob (its first bottle the one downloaded) and the slot it holds until it disposes it.</summary>
    public sealed record Turn(PlannedBottle[] Group, IDisposable Slot);

    private sealed class Slot(SemaphoreSlim owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
