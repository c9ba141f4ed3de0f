using HomebrewSync.Contracts;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.Core.Transfer;

/// <summary>A bottle that could not be mirrored, and why; the run goes on without it.</summary>
public sealed record BottleFailure(PlannedBottle Bottle, FailureKind Kind, string Reason);
