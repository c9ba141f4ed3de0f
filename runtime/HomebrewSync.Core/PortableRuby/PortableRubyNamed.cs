using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.PortableRuby;

/// <summary>
/// The portable Ruby versions the last full sync mirrored (the registry's current one, and the one the mirrored brew names), kept at
/// <c>status/portable-ruby.json</c>: what prune keeps. Without it (a store from before), prune keeps every portable Ruby bottle.
/// </summary>
internal sealed record PortableRubyNamed([property: JsonPropertyName("versions")] IReadOnlyList<string> Versions)
{
    public const string Key = "status/portable-ruby.json";

    /// <summary>The versions named, or null when no sync has recorded any (or the document is not readable: then nothing is judged unneeded).</summary>
    public static async Task<IReadOnlySet<string>?> ReadAsync(IDocumentStore documents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (await documents.GetDocumentAsync(Key, cancellationToken) is not { } doc)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(doc.Content, Pipeline.StatusJsonContext.Default.PortableRubyNamed)?.Versions?.Where(PortableRubyImage.IsVersion).ToHashSet(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static Task WriteAsync(IDocumentStore documents, IReadOnlyList<string> versions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        return documents.PutDocumentAsync(Key, JsonSerializer.SerializeToUtf8Bytes(new PortableRubyNamed(versions), Pipeline.StatusJsonContext.Default.PortableRubyNamed), "application/json", cancellationToken);
    }
}
