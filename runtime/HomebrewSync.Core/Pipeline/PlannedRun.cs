using HomebrewSync.Contracts;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pipeline;

/// <summary>A plan with the hash file it was made against, ready to execute.</summary>
public sealed record PlannedRun(PlanOutcome Outcome, ManifestSnapshot? Manifest)
{
    public SyncPlan Plan => Outcome.Plan;
}
