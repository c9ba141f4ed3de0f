using System.Text.Json.Nodes;

namespace HomebrewSync.TestSupport.StateMachine;

/// <summary>What a Task state ended with, after its retries: its result, or the error Step Functions reports.</summary>
public sealed record TaskOutcome(JsonNode? Result, string? Error = null, string? Cause = null)
{
    public static TaskOutcome Succeeded(JsonNode? result = null) => new(result);

    public static TaskOutcome Failed(string error, string cause) => new(null, error, cause);
}
