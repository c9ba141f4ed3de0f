using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Planning;

/// <summary>The plan and what the planner noticed on the way.</summary>
public sealed record PlanOutcome(SyncPlan Plan, int FormulaeRead, int DisabledSkipped, IReadOnlyList<string> Warnings)
{
    public IReadOnlyList<(string Platform, int Count, long Bytes)> ByPlatform() =>
        Plan.Platforms.Select(p =>
        {
            var items = Plan.Bottles.Where(b => b.Platform == p).ToArray();
            return (p, items.Length, items.Sum(b => b.Size ?? 0));
        }).ToArray();
}
