namespace HomebrewSync.Contracts.StateMachine;

/// <summary>Where the orchestrator sends a plan.</summary>
public static class Routes
{
    public const string Lambda = "lambda";
    public const string Ecs = "ecs";
}
