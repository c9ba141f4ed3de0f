namespace HomebrewSync.Contracts.StateMachine;

/// <summary>
/// Where an execution of the deployed state machine can end: the infrastructure names its terminal states with these,
/// and the tests that drive the handlers the way the state machine does report the same names.
/// </summary>
public static class EndStates
{
    /// <summary>The worker finished the plan.</summary>
    public const string Done = "Done";

    /// <summary>The ECS task exited 0.</summary>
    public const string DoneOnEcs = "DoneOnEcs";

    /// <summary>The ECS task exited 3: the run completed, some bottles failed, "completed with warnings" was sent.</summary>
    public const string DoneWithWarnings = "DoneWithWarnings";

    /// <summary>Anything else, after notify_failure sent "failed".</summary>
    public const string SyncFailed = "SyncFailed";

    /// <summary>A trigger the orchestrator does not accept.</summary>
    public const string InputRejected = "InputRejected";

    /// <summary>The exit code of a run that completed with failed bottles (the CLI's "completed with warnings").</summary>
    public const int WarningsExitCode = 3;

    /// <summary>
    /// Where an execution ends after its ECS task exited with <paramref name="exitCode"/>: what the state machine's ECS route
    /// encodes (the infrastructure tests walk the synthesized definition and compare with this).
    /// </summary>
    public static string ForEcsExitCode(int exitCode) => exitCode switch
    {
        0 => DoneOnEcs,
        WarningsExitCode => DoneWithWarnings,
        _ => SyncFailed,
    };
}
