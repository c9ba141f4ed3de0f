using System.Text.Json.Serialization;

namespace HomebrewSync.Core.Serving;

/// <summary>serve's <c>/healthz</c> answer: the hash file the index holds and the pull-through counts (null when pull-through is off).</summary>
internal sealed record HealthDocument(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("bottles")] int Bottles,
    [property: JsonPropertyName("hash_file_modified")] DateTimeOffset? HashFileModified,
    [property: JsonPropertyName("pull_through")] IReadOnlyDictionary<string, long>? PullThrough);

/// <summary><see cref="HealthDocument"/> as JSON, generated at build time.</summary>
[JsonSerializable(typeof(HealthDocument))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
