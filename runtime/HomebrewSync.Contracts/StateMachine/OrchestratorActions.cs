namespace HomebrewSync.Contracts.StateMachine;

/// <summary>The orchestrator's actions besides planning a trigger (<c>{"action": ...}</c>), and the errors the state machine raises itself.</summary>
public static class OrchestratorActions
{
    /// <summary>Send "failed" for an error the state machine caught (<see cref="FailureNotice"/>).</summary>
    public const string NotifyFailure = "notify_failure";

    /// <summary>Report how old the mirror is (daily): the MirrorAgeHours metric.</summary>
    public const string CheckFreshness = "check_freshness";

    /// <summary>Remove what the mirror no longer needs (<c>{"action": "prune", "keep_days": N}</c>; scheduled when prune_enabled).</summary>
    public const string Prune = "prune";

    /// <summary>The Error of a worker loop that reached max_worker_invocations.</summary>
    public const string WorkerLoopBoundError = "WorkerLoopBound";
}
