using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Planning;

/// <summary>The plan and what the planner noticed on the way.</summary>
public sealed record PlanOutcome(SyncPlan Plan, int FormulaeRead, int DisabledSkipped, IReadOnlyList<string> Warnings)
{
    /// <summary>Per target tag: the bottles planned that serve it, their bytes, and how many come from another tag (by that tag).</summary>
    public IReadOnlyList<TargetCoverage> ByTarget() => TargetCoverage.Of(Plan.Platforms, Plan.Bottles.Select(b => (b.Platform, (IReadOnlyList<string>)b.Serves, b.Size ?? 0)));
}
