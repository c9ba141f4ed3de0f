namespace HomebrewSync.Core.Orchestration;

/// <summary>The orchestrator's scheduled prune (<c>{"action": "prune", "keep_days": N}</c>): what <c>homebrew-sync prune</c> does.</summary>
public sealed record PruneRequest(int KeepDays)
{
    public const string ActionName = Contracts.StateMachine.OrchestratorActions.Prune;
}
