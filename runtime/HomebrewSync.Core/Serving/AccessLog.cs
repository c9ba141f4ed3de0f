using System.Buffers;
using System.Text;
using System.Text.Json;

namespace HomebrewSync.Core.Serving;

/// <summary>One structured line per request, the same from every host.</summary>
public static class AccessLog
{
    /// <summary>
    /// The most of a field the client chose (path, User-Agent) a line keeps; the rest is counted, not written. Kestrel
    /// lets a header run to 32 KB, and JSON escapes a '+' or '&lt;' in six bytes: unclipped, a line could take 200 KB.
    /// </summary>
    public const int MaxClientField = 256;

    /// <summary>
    /// The most of a request's method a line keeps: Kestrel takes any token up to its request line's 8 KB as a method (and
    /// answers it 405), and the longest HTTP defines is 17 characters.
    /// </summary>
    public const int MaxMethod = 32;

    /// <summary>
    /// The most of pull-through's reason a line keeps: a reason can name what the client asked for (a file name, an image)
    /// or quote what the registry answered, and is clipped as a client's own fields are.
    /// </summary>
    public const int MaxReason = 512;

    /// <summary>The length of <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    private const int TimeLength = 24;

    // One writer per thread, reset for each line: one line per request is on serve's hot path.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    public static string Line(MirrorRequest request, MirrorResponse response, TimeSpan elapsed, DateTimeOffset at) => Line(request, response, elapsed, at, null);

    /// <summary>
    /// The line of a request Kestrel refused before it was read whole (a request line or headers that are not HTTP, or past its
    /// limits): its status, and why as Kestrel says it, clipped; nothing of it was read that a line could name.
    /// </summary>
    public static string RejectedLine(int status, string why, DateTimeOffset at) =>
        Line(new MirrorRequest("-", "-", new Dictionary<string, string>(), null), MirrorResponse.Text(status, ""), TimeSpan.Zero, at, why);

    private static string Line(MirrorRequest request, MirrorResponse response, TimeSpan elapsed, DateTimeOffset at, string? rejected)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        // Written field by field (no dictionary, no boxing), into a buffer and writer this thread keeps.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = t_json ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        Span<byte> time = stackalloc byte[TimeLength];
        Iso8601(at.UtcDateTime, time);
        json.WriteStartObject();
        json.WriteString("time", time);
        json.WriteString("client", request.Client?.ToString());
        json.WriteString("user", response.User);
        json.WriteString("method", Formatting.Humanize.Clip(request.Method, MaxMethod));
        json.WriteString("path", Formatting.Humanize.Clip(request.RawPath, MaxClientField));
        json.WriteNumber("status", response.Status);
        json.WriteNumber("bytes", request.Method == "HEAD" ? 0 : response.BodyLength);
        json.WriteNumber("ms", Math.Round(elapsed.TotalMilliseconds, 1));
        json.WriteString("location", response.Headers.TryGetValue("Location", out var l) ? l.Split('?')[0] : null);
        json.WriteString("user_agent", request.UserAgent is { } agent ? Formatting.Humanize.Clip(agent, MaxClientField) : null);
        if (response.PullThrough is { } outcome)
        {
            json.WriteStartObject("pull");
            json.WriteString("outcome", outcome);
            json.WriteString("reason", response.Pull!.Logged is { } reason ? Formatting.Humanize.Clip(reason, MaxReason) : null);
            WriteCount(json, "pulled", response.PullTotals?.Pulled);
            WriteCount(json, "failed", response.PullTotals?.Failed);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("pull");
        }
        if (rejected is not null)
        {
            json.WriteString("rejected", Formatting.Humanize.Clip(rejected, MaxReason));
        }
        json.WriteEndObject();
        json.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><c>yyyy-MM-ddTHH:mm:ss.fffZ</c> of a UTC time, digit by digit (a custom format string is parsed on every call).</summary>
    private static void Iso8601(DateTime utc, Span<byte> to)
    {
        Span<int> fields = [utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, utc.Millisecond];
        ReadOnlySpan<byte> widths = [4, 2, 2, 2, 2, 2, 3];
        var after = "--T::.Z"u8;
        var at = 0;
        for (var i = 0; i < fields.Length; i++)
        {
            Digits(to.Slice(at, widths[i]), fields[i]);
            at += widths[i];
            to[at++] = after[i];
        }
    }

    private static void Digits(Span<byte> to, int value)
    {
        for (var i = to.Length - 1; i >= 0; i--, value /= 10)
        {
            to[i] = (byte)('0' + (value % 10));
        }
    }

    private static void WriteCount(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
