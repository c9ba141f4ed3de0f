using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Catalog;

/// <summary>
/// Streams formula.json one formula at a time (the real file is ~30 MB; it is never held as a DOM). A document that is
/// not a JSON array, or is malformed or truncated, fails with <see cref="CatalogFormatException"/>, and so does one
/// with no usable formula at all. One entry that cannot be used (unsafe name, bad sha256, a field of the wrong JSON
/// type, more than <see cref="DefaultMaxFormulaBytes"/> bytes) is reported through <c>rejected</c> and skipped:
/// it costs one formula, never the catalog, and an oversized entry is read past without being held.
/// </summary>
public static class FormulaCatalogReader
{
    /// <summary>The most one formula's entry may take: real entries average ~4 KB (~30 MB over ~7,000 formulae), so 1 MiB leaves a wide margin.</summary>
    public const int DefaultMaxFormulaBytes = 1024 * 1024;

    private const int ChunkBytes = 64 * 1024;

    /// <param name="maxCatalogBytes">A catalog longer than this is refused whole (<see cref="CatalogUnavailableException"/>), past the formulae already given.</param>
    public static IAsyncEnumerable<Formula> ReadAsync(Stream catalog, long maxCatalogBytes, Action<string>? rejected, CancellationToken cancellationToken) =>
        ReadAsync(catalog, maxCatalogBytes, DefaultMaxFormulaBytes, rejected, cancellationToken);

    /// <param name="maxCatalogBytes">A catalog longer than this is refused whole (<see cref="CatalogUnavailableException"/>), past the formulae already given.</param>
    /// <param name="maxFormulaBytes">Entries longer than this are skipped.</param>
    public static async IAsyncEnumerable<Formula> ReadAsync(
        Stream catalog,
        long maxCatalogBytes,
        int maxFormulaBytes,
        Action<string>? rejected,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var splitter = new JsonArraySplitter(maxFormulaBytes);
        var buffer = new byte[ChunkBytes];
        var entries = new List<JsonArraySplitter.Element>();
        int index = 0, usable = 0;
        long read = 0;
        while (true)
        {
            var n = await catalog.ReadAsync(buffer, cancellationToken);
            if (n == 0)
            {
                splitter.Finish();
                break;
            }
            read += n;
            if (read > maxCatalogBytes)
            {
                // Pull-through and the plan hold something of every formula: a catalog without end would take the machine's memory.
                throw new CatalogUnavailableException(
                    $"The catalog is larger than {maxCatalogBytes / (1024 * 1024):N0} MiB ({Contracts.EnvVars.MaxCatalogMb}); refused whole, nothing is planned or pruned from it");
            }
            splitter.Feed(buffer.AsSpan(0, n), entries);
            foreach (var entry in entries)
            {
                index++;
                if (Parse(entry, index, maxFormulaBytes, rejected) is { } formula)
                {
                    usable++;
                    yield return formula;
                }
            }
            entries.Clear();
        }
        if (index == 0)
        {
            throw new CatalogFormatException("The catalog lists no formulae; refusing to plan from an empty catalog.");
        }
        if (usable == 0)
        {
            throw new CatalogFormatException($"None of the catalog's {index.ToString("N0", CultureInfo.InvariantCulture)} entries is a usable formula; refusing to plan from it.");
        }
    }

    private static Formula? Parse(JsonArraySplitter.Element entry, int index, int maxFormulaBytes, Action<string>? rejected)
    {
        if (entry.Bytes is not { } bytes)
        {
            rejected?.Invoke($"entry {index}{NameHint(entry.Head, complete: false)}: {entry.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes, "
                + $"more than the {maxFormulaBytes.ToString("N0", CultureInfo.InvariantCulture)} one formula may take");
            return null;
        }
        FormulaJson? json;
        try
        {
            json = JsonSerializer.Deserialize(bytes, CatalogJsonContext.Default.FormulaJson);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            if (SyntaxError(bytes) is { } syntax)
            {
                throw new CatalogFormatException(
                    $"The catalog is not valid formula.json (entry {index.ToString("N0", CultureInfo.InvariantCulture)}, byte {(entry.Offset + syntax.BytePositionInLine ?? 0).ToString("N0", CultureInfo.InvariantCulture)}): {syntax.Message}", syntax);
            }
            var what = TooDeep(bytes) ? $"nested deeper than the {DefaultMaxDepth} levels a formula may take"
                : ex is JsonException { Path: { } path } && path != "$" ? $"{Printable(path)} has the wrong JSON type" : ex is JsonException { Path: "$" } ? "not a JSON object" : "unreadable";
            rejected?.Invoke($"entry {index}{NameHint(bytes, complete: true)}: {what}");
            return null;
        }
        if (json is null)
        {
            rejected?.Invoke($"entry {index}: null");
            return null;
        }
        return Convert(json, index, rejected);
    }

    /// <summary>How deep the deserializer reads (System.Text.Json's default).</summary>
    private const int DefaultMaxDepth = 64;

    /// <summary>
    /// The syntax error in one entry's JSON, or null when it is well-formed (and only its types are wrong, or it is nested deeper
    /// than a formula is read: one entry that is, within its byte limit, fails alone). No entry nests deeper than it has bytes.
    /// </summary>
    private static JsonException? SyntaxError(byte[] json) => ReadError(json, Math.Max(DefaultMaxDepth, json.Length));

    /// <summary>Whether well-formed JSON nests deeper than <see cref="DefaultMaxDepth"/>.</summary>
    private static bool TooDeep(byte[] json) => ReadError(json, DefaultMaxDepth) is not null;

    /// <summary>What reading <paramref name="json"/> through, at most <paramref name="maxDepth"/> deep, throws; null when nothing.</summary>
    private static JsonException? ReadError(byte[] json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException ex)
        {
            return ex;
        }
    }

    /// <summary><c> (name)</c> when an entry that cannot be used still has a readable, safe top-level name.</summary>
    private static string NameHint(byte[]? json, bool complete)
    {
        if (json is null)
        {
            return "";
        }
        var reader = new Utf8JsonReader(json, complete, new JsonReaderState(new JsonReaderOptions { MaxDepth = 1024 }));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "";
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.String && reader.GetString() is { } name && BottleNaming.IsSafeName(name) ? $" ({name})" : "";
                }
                if (!reader.Read() || !reader.TrySkip())
                {
                    return "";
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A hint only: an entry too broken to name is reported by its position.
        }
        return "";
    }

    /// <summary>A value from the catalog as it may appear in a message: control characters escaped (no split log lines), at most 80 characters.</summary>
    private static string Printable(string? value)
    {
        if (value is null)
        {
            return "";
        }
        var sb = new StringBuilder();
        foreach (var c in value.Length > 80 ? value[..80] : value)
        {
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }
        return value.Length > 80 ? sb.Append('…').ToString() : sb.ToString();
    }

    /// <summary>Any date: a bottle's key is checked against the grammar with it, the date folder being the part the catalog does not choose.</summary>
    private static readonly DateOnly KeyCheckDate = new(2000, 1, 1);

    private static Formula? Convert(FormulaJson json, int index, Action<string>? rejected)
    {
        var name = json.Name;
        if (string.IsNullOrEmpty(name) || !BottleNaming.IsSafeName(name))
        {
            rejected?.Invoke($"entry {index}: formula name '{Printable(name)}' is not a valid formula name");
            return null;
        }
        var stable = json.Versions?.Stable;
        if (string.IsNullOrEmpty(stable))
        {
            rejected?.Invoke($"{name}: no stable version");
            return null;
        }
        var revision = json.Revision ?? 0;
        var version = revision > 0 ? $"{stable}_{revision.ToString(CultureInfo.InvariantCulture)}" : stable;
        if (!BottleNaming.IsSafeVersion(version))
        {
            rejected?.Invoke($"{name}: version '{Printable(version)}' is not a valid version");
            return null;
        }
        var spec = json.Bottle?.Stable;
        var rebuild = spec?.Rebuild ?? 0;
        if (rebuild is < 0 or > BottleNaming.MaxRebuild)
        {
            rejected?.Invoke($"{name}: rebuild {rebuild} is not between 0 and {BottleNaming.MaxRebuild}");
            return null;
        }
        var files = new Dictionary<string, BottleFile>(StringComparer.Ordinal);
        if (spec?.Files is { } rawFiles)
        {
            foreach (var (tag, file) in rawFiles)
            {
                if (file is null || !Contracts.SyncSettingsValidator.IsWellFormedTag(tag))
                {
                    rejected?.Invoke($"{name}: bottle tag '{Printable(tag)}' is not usable");
                    continue;
                }
                // Whatever the store records must read back: a name the key grammar refuses (too long, say) would make the
                // hash file that lists it corrupt for every later command, so such a bottle is not mirrored at all.
                if (!StoreKeys.IsBottleKey(BottleNaming.ObjectKey(KeyCheckDate, BottleNaming.FileName(name, version, tag, rebuild))))
                {
                    rejected?.Invoke($"{name} ({tag}): the bottle's file name '{Printable(BottleNaming.FileName(name, version, tag, rebuild))}' is not one the mirror can keep");
                    continue;
                }
                if (file.Sha256 is not { } sha || !BottleNaming.IsSha256(sha))
                {
                    rejected?.Invoke($"{name} ({Printable(tag)}): sha256 '{Printable(file.Sha256)}' is not 64 lower-case hex digits");
                    continue;
                }
                if (!Uri.TryCreate(file.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                {
                    rejected?.Invoke($"{name} ({tag}): url '{Printable(file.Url)}' is not an http(s) URL");
                    continue;
                }
                files[tag] = new BottleFile(tag, url, sha, file.Cellar);
            }
        }
        return new Formula(name, version, rebuild, json.Disabled ?? false, files);
    }
}
