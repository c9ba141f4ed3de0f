using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pruning;

/// <summary>
/// The objects a prune is about to delete, written before the hash file drops them (<c>status/prune-pending.json</c>) and
/// emptied once they are gone. A prune cut short in between (a Lambda's time budget, a kill) leaves them unlisted; the next
/// prune reads them here as its own leftovers, which do not count toward its refusal of many unlisted objects
/// (<see cref="MirrorPruner.UnlistedLimit"/>), and deletes them.
/// </summary>
internal sealed record PrunePending([property: JsonPropertyName("object_keys")] IReadOnlyList<string> ObjectKeys)
{
    public const string Key = "status/prune-pending.json";

    /// <summary>The bottle keys recorded; none when there is no record, or it cannot be read (then nothing is exempt).</summary>
    public static async Task<IReadOnlySet<string>> ReadAsync(IDocumentStore documents, CancellationToken cancellationToken)
    {
        try
        {
            if (await documents.GetDocumentAsync(Key, cancellationToken) is { } doc
                && JsonSerializer.Deserialize(doc.Content, Pipeline.StatusJsonContext.Default.PrunePending)?.ObjectKeys is { } keys)
            {
                return keys.Where(StoreKeys.IsBottleKey).ToHashSet(StringComparer.Ordinal);
            }
        }
        catch (Exception ex) when (ex is JsonException or UnsafeStoreKeyException or StoreAccessException or IOException)
        {
        }
        return new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>Records <paramref name="objectKeys"/> (none: the record emptied). A store that refuses it (a link in its place) is a warning: without it a cut-short prune's leftovers count toward the refusal, which is safe.</summary>
    public static async Task WriteAsync(IDocumentStore documents, IReadOnlyList<string> objectKeys, Action<string> log, CancellationToken cancellationToken)
    {
        try
        {
            await documents.PutDocumentAsync(Key, JsonSerializer.SerializeToUtf8Bytes(new PrunePending(objectKeys), Pipeline.StatusJsonContext.Default.PrunePending),
                "application/json", cancellationToken);
        }
        catch (Exception ex) when (ex is UnsafeStoreKeyException or IOException)
        {
            log($"warning: {Key} not written: {ex.Message}");
        }
    }
}
