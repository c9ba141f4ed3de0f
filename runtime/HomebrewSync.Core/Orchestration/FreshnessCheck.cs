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
