using System.Text.Json.Serialization;

namespace HomebrewSync.Contracts.StateMachine;

/// <summary>The orchestrator's answer, which the state machine routes on (<see cref="Route"/>).</summary>
public sealed record OrchestratorResult
{
    [JsonPropertyName("plan_key")] public required string PlanKey { get; init; }
    [JsonPropertyName("store")] public required string Store { get; init; }
    [JsonPropertyName("bottles")] public required int Bottles { get; init; }
    [JsonPropertyName("total_bytes")] public required long TotalBytes { get; init; }
    [JsonPropertyName("skipped")] public required int Skipped { get; init; }
    /// <summary><see cref="Routes.Lambda"/> or <see cref="Routes.Ecs"/>.</summary>
    [JsonPropertyName("route")] public required string Route { get; init; }
    [JsonPropertyName("sync_date")] public required string SyncDate { get; init; }
    [JsonPropertyName("trigger")] public required string Trigger { get; init; }
    /// <summary>The ECS task's command for this plan (<c>sync --plan s3://...</c>), used by the state machine's RunTask override.</summary>
    [JsonPropertyName("ecs_command")] public required IReadOnlyList<string> EcsCommand { get; init; }
}

/// <summary>What the state machine passes the worker, every invocation of the loop.</summary>
public sealed record WorkerRequest
{
    [JsonPropertyName("plan_key")] public required string PlanKey { get; init; }
}

/// <summary>The worker's answer: the state machine invokes it again while <see cref="Done"/> is false.</summary>
public sealed record WorkerResult
{
    [JsonPropertyName("done")] public required bool Done { get; init; }
    [JsonPropertyName("plan_key")] public required string PlanKey { get; init; }
    [JsonPropertyName("stored")] public required int Stored { get; init; }
    [JsonPropertyName("failed")] public required int Failed { get; init; }
    [JsonPropertyName("remaining")] public required int Remaining { get; init; }
    [JsonPropertyName("bytes_transferred")] public required long BytesTransferred { get; init; }
    [JsonPropertyName("invocations")] public required int Invocations { get; init; }
}

/// <summary>The orchestrator's second action: a Catch in the state machine reports what failed.</summary>
public sealed record FailureNotice
{
    public const string ActionName = OrchestratorActions.NotifyFailure;

    [JsonPropertyName("action")] public string Action { get; init; } = ActionName;
    [JsonPropertyName("error")] public required StateError Error { get; init; }
    /// <summary>The plan of the run, when planning got that far; progress so far is read from it.</summary>
    [JsonPropertyName("plan_key")] public string? PlanKey { get; init; }
}

/// <summary>Step Functions' error output (<c>$.Error</c>, <c>$.Cause</c>).</summary>
public sealed record StateError
{
    [JsonPropertyName("Error")] public required string Error { get; init; }
    [JsonPropertyName("Cause")] public string? Cause { get; init; }
}
