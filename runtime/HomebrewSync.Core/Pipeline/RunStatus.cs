using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pipeline;

/// <summary>The last run that finished, kept at <c>status/last-run.json</c>: what the freshness check and <c>stats</c> read.</summary>
internal sealed record RunStatus(
    [property: JsonPropertyName("finished_at")] DateTimeOffset FinishedAt,
    [property: JsonPropertyName("sync_date")] string SyncDate,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("stored")] int Stored,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("skipped")] int Skipped,
    [property: JsonPropertyName("sync_method")] string SyncMethod)
{
    public const string Key = "status/last-run.json";

    public static async Task<RunStatus?> ReadAsync(IDocumentStore documents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var doc = await documents.GetDocumentAsync(Key, cancellationToken);
        if (doc is null)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(doc.Content, StatusJsonContext.Default.RunStatus);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static Task WriteAsync(IDocumentStore documents, RunStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return documents.PutDocumentAsync(Key, JsonSerializer.SerializeToUtf8Bytes(status, StatusJsonContext.Default.RunStatus), "application/json", cancellationToken);
    }
}

/// <summary>The status documents' JSON, generated at build time (no reflection on a run's path).</summary>
[JsonSerializable(typeof(RunStatus))]
[JsonSerializable(typeof(PortableRuby.PortableRubyNamed))]
[JsonSerializable(typeof(Pruning.PrunePending))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
