using System.Text.Json.Serialization;

namespace HomebrewSync.Core.Orchestration;

/// <summary>What a saved plan's executions have done so far, kept beside the plan (<c>&lt;plan&gt;.state.json</c>).</summary>
/// <remarks>The lists have a setter, not <c>init</c>, so that one missing from the document reads as empty (see <see cref="Contracts.SyncPlan"/>).</remarks>
internal sealed record PlanState
{
    [JsonPropertyName("invocations")] public int Invocations { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("stored")] public IReadOnlyList<string> Stored { get; set; } = [];
    [JsonPropertyName("failed")] public IReadOnlyList<FailedBottle> Failed { get; set; } = [];
    [JsonPropertyName("bytes_transferred")] public long BytesTransferred { get; init; }
    /// <summary>Set by the execution that attempted the last bottle; a finished plan is not executed again.</summary>
    [JsonPropertyName("finished_at")] public DateTimeOffset? FinishedAt { get; init; }
}
