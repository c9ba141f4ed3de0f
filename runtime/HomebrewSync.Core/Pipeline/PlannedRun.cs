using HomebrewSync.Contracts;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pipeline;

/// <summary>A plan with the hash file it was made against and the image indexes sizing fetched, ready to execute.</summary>
/// <param name="ApiBytes">The verified API files fetched with the catalog, by path.</param>
public sealed record PlannedRun(PlanOutcome Outcome, HashFileSnapshot? HashFile, IReadOnlyDictionary<string, byte[]> Indexes, IReadOnlyDictionary<string, byte[]> ApiBytes)
{
    public SyncPlan Plan => Outcome.Plan;
}
