using System.Text.Json.Serialization;

namespace HomebrewSync.Core.Orchestration;

/// <summary>A bottle a plan's execution gave up on, with its reason (kept in the plan's state).</summary>
internal sealed record FailedBottle(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("reason")] string Reason);
