using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Transfer;

/// <param name="Stored">Bottles now at their final key (downloaded, copied from a shared blob, or found already verified).</param>
/// <param name="NotStarted">Bottles left for a later invocation because the time budget ran out.</param>
/// <param name="BytesTransferred">Bytes fetched from the registry, verified or not.</param>
internal sealed record TransferResult(
    IReadOnlyList<PlannedBottle> Stored,
    IReadOnlyList<BottleFailure> Failed,
    IReadOnlyList<PlannedBottle> NotStarted,
    long BytesTransferred,
    long BytesStored,
    TimeSpan Duration);
