namespace HomebrewSync.Core.Orchestration;

/// <summary>The orchestrator's third action (<c>{"action": "check_freshness"}</c>, daily): report how old the mirror is.</summary>
public sealed class FreshnessCheck
{
    public const string ActionName = Contracts.StateMachine.OrchestratorActions.CheckFreshness;
    public static readonly FreshnessCheck Instance = new();

    private FreshnessCheck()
    {
    }
}

/// <summary>The orchestrator's scheduled prune (<c>{"action": "prune", "keep_days": N}</c>): what <c>homebrew-sync prune</c> does.</summary>
public sealed record PruneRequest(int KeepDays)
{
    public const string ActionName = Contracts.StateMachine.OrchestratorActions.Prune;
}
