using System.Buffers;
using System.Globalization;
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
    /// The most of pull-through's reason a line keeps: a reason can name what the client asked for (a file name, an image)
    /// or quote what the registry answered, and is clipped as a client's own fields are.
    /// </summary>
    public const int MaxReason = 512;

    public static string Line(MirrorRequest request, MirrorResponse response, TimeSpan elapsed, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        // Written field by field (no dictionary, no boxing): one line per request is on serve's hot path.
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("client", request.Client?.ToString());
            json.WriteString("user", response.User);
            json.WriteString("method", request.Method);
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
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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
