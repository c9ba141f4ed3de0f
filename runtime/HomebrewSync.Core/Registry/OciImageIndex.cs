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

    /// <summary>
    /// The most bottles one index may list: a formula version's index lists one per platform (about twenty). A document that lists
    /// more is refused, so what a registry's answer can cost past its own bytes is a few hundred KB, however it is laid out.
    /// </summary>
    public const int MaxEntries = 1024;

    /// <summary>
    /// Read as a stream of tokens, keeping only the three annotations of each entry: a tree of the whole document (JsonDocument)
    /// costs about 12 bytes per token, and a document of empty objects within MAX_IMAGE_INDEX_MB would cost ten times its size,
    /// at every sizing request in flight. Where a name is repeated, the last one counts, as it does in a tree.
    /// </summary>
    private static OciImageIndex ParseJson(ReadOnlySpan<byte> document)
    {
        var reader = new Utf8JsonReader(document);
        var entries = new List<ImageIndexEntry>();
        if (!reader.Read())
        {
            throw new JsonException("not an image index: the document is empty");
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new OciImageIndex(entries);
        }
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var isManifests = reader.ValueTextEquals("manifests"u8);
            Next(ref reader);
            if (isManifests)
            {
                // A later "manifests" replaces an earlier one, even one that is not a list.
                entries.Clear();
            }
            if (!isManifests || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (ReadEntry(ref reader) is { } entry)
                {
                    if (entries.Count == MaxEntries)
                    {
                        throw new JsonException($"not an image index: it lists more than {MaxEntries:N0} bottles");
                    }
                    entries.Add(entry);
                }
            }
        }
        return new OciImageIndex(entries);
    }

    /// <summary>
    /// One element of <c>manifests</c> (the reader on its first token, left on its last): an entry when its annotations name a
    /// digest. Only the values that count (the last of each name, in the last <c>annotations</c>) are read as text, and only in
    /// an entry with a digest: a value read as text can fail (bytes that are not UTF-8), and one that does not count must not.
    /// </summary>
    private static ImageIndexEntry? ReadEntry(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        // Each wanted value's reader, left on it: read as text at the end.
        Utf8JsonReader digest = default, size = default, refName = default;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var isAnnotations = reader.ValueTextEquals("annotations"u8);
            Next(ref reader);
            if (isAnnotations)
            {
                // A later "annotations" replaces an earlier one; one that is not an object leaves none.
                digest = default;
                size = default;
                refName = default;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (Next(ref reader) == JsonTokenType.PropertyName)
                    {
                        var field = reader.ValueTextEquals("sh.brew.bottle.digest"u8) ? 1
                            : reader.ValueTextEquals("sh.brew.bottle.size"u8) ? 2
                            : reader.ValueTextEquals("org.opencontainers.image.ref.name"u8) ? 3 : 0;
                        Next(ref reader);
                        switch (field)
                        {
                            case 1: digest = reader; break;
                            case 2: size = reader; break;
                            case 3: refName = reader; break;
                        }
                        reader.Skip();
                    }
                }
            }
            reader.Skip();
        }
        if (digest.TokenType != JsonTokenType.String)
        {
            return null;
        }
        var hex = digest.GetString()!;
        long? bytes = size.TokenType == JsonTokenType.String && long.TryParse(size.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        var name = refName.TokenType == JsonTokenType.String ? refName.GetString() : null;
        return new ImageIndexEntry(hex.StartsWith("sha256:", StringComparison.Ordinal) ? hex["sha256:".Length..] : hex, bytes, name);
    }

    /// <exception cref="JsonException">The document ends within a value.</exception>
    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("not an image index: the document ends early");
}
