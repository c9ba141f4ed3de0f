namespace HomebrewSync.Contracts.StateMachine;

/// <summary>The Lambda handler strings (assembly::type::method) the infra configures and the Lambda project implements.</summary>
public static class HandlerNames
{
    public const string Assembly = "HomebrewSync.Lambda";
    public const string Orchestrator = Assembly + "::HomebrewSync.Lambda.OrchestratorFunction::HandleAsync";
    public const string Worker = Assembly + "::HomebrewSync.Lambda.WorkerFunction::HandleAsync";
    public const string BrewEndpoint = Assembly + "::HomebrewSync.Lambda.BrewEndpointFunction::HandleAsync";
}
