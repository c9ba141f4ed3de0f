using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.HashFiles;

/// <summary>bottles_hash.json exactly as the reference lays it out, statistics recomputed on every write.</summary>
public static class HashFileSerializer
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true };

    public static async Task WriteAsync(HashFile hashFile, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hashFile);
        await using var w = new Utf8JsonWriter(destination, WriterOptions);
        w.WriteStartObject();
        if (hashFile.LastUpdated is { } updated)
        {
            w.WriteString("last_updated", updated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull("last_updated");
        }
        w.WriteString("sync_version", hashFile.SyncVersion);
        w.WriteNumber("total_bottles", hashFile.Count);
        w.WriteNumber("total_size_bytes", hashFile.TotalSizeBytes);
        w.WriteStartArray("platforms");
        foreach (var p in hashFile.Platforms)
        {
            w.WriteStringValue(p);
        }
        w.WriteEndArray();
        w.WriteStartObject("bottles");
        foreach (var (key, e) in hashFile.Ordered)
        {
            w.WriteStartObject(key);
            w.WriteString("sha256", e.Sha256);
            w.WriteString("download_date", FormatDate(e.DownloadDate));
            w.WriteNumber("file_size", e.FileSize);
            w.WriteString("formula_name", e.FormulaName);
            w.WriteString("formula_version", e.FormulaVersion);
            w.WriteString("platform", e.Platform);
            w.WriteString("url", e.Url);
            w.WriteString("s3_key", e.S3Key);
            if (e.PulledAt is { } pulled)
            {
                // An extra field, only on pulled bottles: the reference's readers (and older versions of this one) skip it. Its
                // fraction is kept: the next sync counts pulls after the last run's finished_at, and a pull in that run's last
                // second, cut to the second, would read as before it.
                var utc = pulled.UtcDateTime;
                w.WriteString("pulled_at", utc.ToString(utc.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            }
            w.WriteEndObject();
            if (w.BytesPending > 64 * 1024)
            {
                await w.FlushAsync(cancellationToken);
            }
        }
        w.WriteEndObject();
        w.WriteStartObject("statistics");
        w.WriteStartObject("by_platform");
        foreach (var (platform, count, bytes) in hashFile.ByPlatform())
        {
            WriteStat(w, platform, count, bytes);
        }
        w.WriteEndObject();
        w.WriteStartObject("by_date");
        foreach (var (date, count, bytes) in hashFile.ByDate())
        {
            WriteStat(w, FormatDate(date), count, bytes);
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        await w.FlushAsync(cancellationToken);
    }

    public static async Task<byte[]> ToBytesAsync(HashFile hashFile, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await WriteAsync(hashFile, buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>Parses and checks every entry; anything off is a <see cref="HashFileCorruptException"/>.</summary>
    public static HashFile Read(ReadOnlySpan<byte> utf8, string location)
    {
        // A byte-order mark (an editor's, after a hand repair) is skipped, as a stream's reader does; the span's does not.
        if (utf8.StartsWith(Utf8ByteOrderMark))
        {
            utf8 = utf8[Utf8ByteOrderMark.Length..];
        }
        HashFileJson? json;
        try
        {
            json = JsonSerializer.Deserialize(utf8, HashFileJsonContext.Default.HashFileJson);
        }
        catch (JsonException ex)
        {
            throw new HashFileCorruptException(location, $"not valid JSON at line {ex.LineNumber + 1}: {ex.Message}", ex);
        }
        if (json is null)
        {
            throw new HashFileCorruptException(location, "the document is null");
        }
        if (json.Bottles is null)
        {
            throw new HashFileCorruptException(location, "it has no \"bottles\" object");
        }
        var hashFile = new HashFile(json.SyncVersion ?? Contracts.ProductInfo.SyncVersion, json.LastUpdated);
        foreach (var (key, e) in json.Bottles)
        {
            if (e is null || e.Sha256 is null || !BottleNaming.IsSha256(e.Sha256))
            {
                throw new HashFileCorruptException(location, $"entry '{Formatting.Humanize.Clip(key)}' has no valid sha256");
            }
            if (e.FileSize is not { } size || size < 0)
            {
                throw new HashFileCorruptException(location, $"entry '{Formatting.Humanize.Clip(key)}' has no valid file_size");
            }
            if (size > Storage.StoreKeys.MaxBottleBytes)
            {
                // Not a bottle's size (MAX_BOTTLE_SIZE_GB allows 1 TiB at most); refused, so no sum of sizes can overflow.
                throw new HashFileCorruptException(location, $"entry '{Formatting.Humanize.Clip(key)}' has file_size {size:N0}, more than any bottle ({Storage.StoreKeys.MaxBottleBytes:N0} bytes)");
            }
            if (string.IsNullOrEmpty(e.S3Key) || string.IsNullOrEmpty(e.FormulaName) || string.IsNullOrEmpty(e.FormulaVersion) || string.IsNullOrEmpty(e.Platform))
            {
                throw new HashFileCorruptException(location, $"entry '{Formatting.Humanize.Clip(key)}' lacks s3_key, formula_name, formula_version or platform");
            }
            if (!DateOnly.TryParseExact(e.DownloadDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new HashFileCorruptException(location, $"entry '{Formatting.Humanize.Clip(key)}' has download_date '{Formatting.Humanize.Clip(e.DownloadDate ?? "")}', not YYYY-MM-DD");
            }
            var entry = new HashEntry(e.Sha256, date, size, e.FormulaName, e.FormulaVersion, e.Platform, e.Url ?? "", e.S3Key, e.PulledAt);
            // An entry vouches only for its own bottle: one naming anything else (the hash file, a plan, another bottle) is never trusted.
            if (Storage.StoreKeys.ProblemWith(key, entry) is { } problem)
            {
                throw new HashFileCorruptException(location, $"entry '{Formatting.Humanize.Clip(key)}': {problem}");
            }
            hashFile.Set(key, entry);
        }
        return hashFile;
    }

    private static void WriteStat(Utf8JsonWriter w, string name, int count, long bytes)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", count);
        w.WriteNumber("total_size_bytes", bytes);
        w.WriteEndObject();
    }

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static string FormatDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

internal sealed class HashFileJson
{
    [JsonPropertyName("last_updated")] public DateTimeOffset? LastUpdated { get; set; }
    [JsonPropertyName("sync_version")] public string? SyncVersion { get; set; }
    [JsonPropertyName("bottles")] public Dictionary<string, HashEntryJson?>? Bottles { get; set; }
}

internal sealed class HashEntryJson
{
    [JsonPropertyName("sha256")] public string? Sha256 { get; set; }
    [JsonPropertyName("download_date")] public string? DownloadDate { get; set; }
    [JsonPropertyName("file_size")] public long? FileSize { get; set; }
    [JsonPropertyName("formula_name")] public string? FormulaName { get; set; }
    [JsonPropertyName("formula_version")] public string? FormulaVersion { get; set; }
    [JsonPropertyName("platform")] public string? Platform { get; set; }
    [JsonPropertyName("url")] public string? Url { get; set; }
    [JsonPropertyName("s3_key")] public string? S3Key { get; set; }
    [JsonPropertyName("pulled_at")] public DateTimeOffset? PulledAt { get; set; }
}

[JsonSerializable(typeof(HashFileJson))]
internal sealed partial class HashFileJsonContext : JsonSerializerContext;
