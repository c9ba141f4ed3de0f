using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pipeline;

/// <summary>The last run that finished, kept at <c>status/last-run.json</c>: what the freshness check and <c>stats</c> read.</summary>
/// <param name="CaughtUpAt">When the last run that caught the mirror up finished (<see cref="CaughtUp"/>): this one, or an earlier one.</param>
internal sealed record RunStatus(
    [property: JsonPropertyName("finished_at")] DateTimeOffset FinishedAt,
    [property: JsonPropertyName("sync_date")] string SyncDate,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("stored")] int Stored,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("skipped")] int Skipped,
    [property: JsonPropertyName("sync_method")] string SyncMethod,
    [property: JsonPropertyName("caught_up_at")] DateTimeOffset? CaughtUpAt = null)
{
    public const string Key = "status/last-run.json";

    /// <summary>
    /// Whether a run with these counts caught the mirror up: at most a tenth of the bottles it tried failed for a reason not
    /// the bottle's own. One where more did (a registry refusing the token, a store throttling past every retry, the network)
    /// finishes, but the mirror is as old as before. A bottle upstream does not have, or sends wrong or too large, fails every
    /// run alike and is not counted: the mirror is as current as upstream lets it be.
    /// </summary>
    public static bool CaughtUp(int stored, int failed) => failed * 10L <= stored + (long)failed;

    /// <summary>The failures <see cref="CaughtUp"/> counts: those that are not the bottle's own (<see cref="IsTheBottlesOwn"/>).</summary>
    public static int Counted(IEnumerable<Transfer.BottleFailure> failed) => failed.Count(f => !IsTheBottlesOwn(f.Kind));

    private static bool IsTheBottlesOwn(Registry.FailureKind kind) =>
        kind is Registry.FailureKind.NotFound or Registry.FailureKind.ShaMismatch or Registry.FailureKind.TooLarge or Registry.FailureKind.Kept;

    /// <summary>When the mirror was last caught up, as this status says: an older status, from before the field, by when it finished.</summary>
    public DateTimeOffset? LastCaughtUp => CaughtUpAt ?? (CaughtUp(Stored, Failed) ? FinishedAt : null);

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
