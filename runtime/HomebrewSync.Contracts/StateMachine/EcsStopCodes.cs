namespace HomebrewSync.Contracts.StateMachine;

/// <summary>ECS's <c>StopCode</c> of a stopped task, where the state machine routes on it rather than on the exit code.</summary>
public static class EcsStopCodes
{
    /// <summary>Fargate Spot took the capacity back (SIGTERM, then the task stops): the plan is run again on on-demand Fargate.</summary>
    public const string SpotInterruption = "SpotInterruption";

    /// <summary>
    /// The task never started (ResourceInitializationError: its network interface, its secrets or its logs; an image pull
    /// that timed out): nothing ran, so the plan is run once more on on-demand Fargate.
    /// </summary>
    public const string TaskFailedToStart = "TaskFailedToStart";
}
