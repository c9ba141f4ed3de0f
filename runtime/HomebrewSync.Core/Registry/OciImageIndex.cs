using System.Globalization;
using System.Text.Json;

namespace HomebrewSync.Core.Registry;

/// <summary>One entry of an image index: a bottle's digest, size and <c>org.opencontainers.image.ref.name</c>.</summary>
internal sealed record ImageIndexEntry(string Sha256, long? Size, string? RefName);

/// <summary>
/// The registry's OCI image index of one formula version, as brew reads it: entries annotated with
/// <c>sh.brew.bottle.digest</c>, <c>sh.brew.bottle.size</c> and <c>org.opencontainers.image.ref.name</c>.
/// </summary>
internal sealed record OciImageIndex(IReadOnlyList<ImageIndexEntry> Entries)
{
    public const string MediaType = IBottleRegistry.ImageIndexMediaType;

    public bool Lists(string sha256) => Entries.Any(e => string.Equals(e.Sha256, sha256, StringComparison.Ordinal));

    /// <exception cref="JsonException">Not a JSON document, or a string in it that is not text.</exception>
    public static OciImageIndex Parse(ReadOnlySpan<byte> document)
    {
        try
        {
            return ParseJson(document);
        }
        catch (InvalidOperationException ex)
        {
            // The reader lets bytes that are not UTF-8 (or an escaped lone surrogate) through a string; reading it as text throws.
            throw new JsonException($"not an image index: {ex.Message}", ex);
        }
    }

    private static OciImageIndex ParseJson(ReadOnlySpan<byte> document)
    {
        var reader = new Utf8JsonReader(document);
        using var doc = JsonDocument.ParseValue(ref reader);
        var entries = new List<ImageIndexEntry>();
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in manifests.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("annotations", out var a) || a.ValueKind != JsonValueKind.Object
                    || !a.TryGetProperty("sh.brew.bottle.digest", out var digest) || digest.ValueKind != JsonValueKind.String)
                {
                    continue;
                }
                var hex = digest.GetString()!;
                long? size = a.TryGetProperty("sh.brew.bottle.size", out var s) && s.ValueKind == JsonValueKind.String
                    && long.TryParse(s.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
                var refName = a.TryGetProperty("org.opencontainers.image.ref.name", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                entries.Add(new ImageIndexEntry(hex.StartsWith("sha256:", StringComparison.Ordinal) ? hex["sha256:".Length..] : hex, size, refName));
            }
        }
        return new OciImageIndex(entries);
    }
}
