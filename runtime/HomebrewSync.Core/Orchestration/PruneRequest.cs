namespace HomebrewSync.Core.Orchestration;

/// <summary>
/// The orchestrator's scheduled prune (<c>{"action": "prune", "keep_days": N}</c>, and <c>"delete_unlisted": true</c> as
/// <c>--delete-unlisted</c>): what <c>homebrew-sync prune</c> does.
/// </summary>
public sealed record PruneRequest(int KeepDays, bool DeleteUnlisted = false)
{
    public const string ActionName = Contracts.StateMachine.OrchestratorActions.Prune;
}
