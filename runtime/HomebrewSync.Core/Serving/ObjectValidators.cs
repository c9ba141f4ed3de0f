using System.Globalization;

namespace HomebrewSync.Core.Serving;

/// <summary>The validators of a stored object's answer (Last-Modified, ETag) and the conditional requests they answer.</summary>
internal static class ObjectValidators
{
    /// <summary>What every stored object is answered with (type, time, ETag, ranges), and its time cut to what an HTTP date carries.</summary>
    public static (Dictionary<string, string> Headers, DateTimeOffset Modified) Of(string contentType, long size, DateTimeOffset lastModified, string? etag)
    {
        // Second precision: what an HTTP date carries and what clients send back.
        var modified = new DateTimeOffset(lastModified.UtcTicks - (lastModified.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = contentType,
            ["Last-Modified"] = modified.ToString("R", CultureInfo.InvariantCulture),
            ["ETag"] = etag ?? $"\"{size:x}-{modified.ToUnixTimeSeconds():x}\"",
            ["Accept-Ranges"] = "bytes",
        };
        return (headers, modified);
    }

    /// <summary>
    /// Whether a Range applies (RFC 9110 13.1.5): always without If-Range; with it, only when it names this object as it is now
    /// (its strong ETag, or exactly its Last-Modified). Otherwise the whole object is sent: a client resuming a download of an
    /// object that changed since (an API file, brew.git's refs) must not join the new bytes to the old.
    /// </summary>
    /// <param name="strong">Whether the ETag is of the content (a bottle's sha256). One made of size and time to the second is not:
    /// a document rewritten within the same second at the same size would match, so If-Range on such an object gets it whole.</param>
    public static bool RangeApplies(MirrorRequest request, string etag, DateTimeOffset modified, bool strong)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Header("if-range") is not { } condition)
        {
            return true;
        }
        if (!strong)
        {
            return false;
        }
        condition = condition.Trim();
        if (condition.StartsWith('"'))
        {
            return string.Equals(condition, etag, StringComparison.Ordinal);
        }
        return !condition.StartsWith("W/", StringComparison.Ordinal)
            && DateTimeOffset.TryParseExact(condition, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            && at == modified;
    }

    /// <summary>Whether the client's copy is current (If-None-Match, else If-Modified-Since): a 304.</summary>
    public static bool NotModified(MirrorRequest request, string etag, DateTimeOffset modified, DateTimeOffset now)
    {
        if (request.Header("if-none-match") is { } tags)
        {
            return tags.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == etag || t == "W/" + etag);
        }
        // RFC 9110 13.1.3: a date later than the server's current time is invalid and ignored (no 304 for a clock that is ahead).
        return request.Header("if-modified-since") is { } since
            && DateTimeOffset.TryParseExact(since, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            && at <= now
            && modified <= at;
    }
}
