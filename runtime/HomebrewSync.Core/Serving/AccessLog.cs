using System.Globalization;
using System.Text.Json;

namespace HomebrewSync.Core.Serving;

/// <summary>One structured line per request, the same from every host.</summary>
public static class AccessLog
{
    public static string Line(MirrorRequest request, MirrorResponse response, TimeSpan elapsed, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["time"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["client"] = request.Client?.ToString(),
            ["user"] = response.User,
            ["method"] = request.Method,
            ["path"] = request.RawPath,
            ["status"] = response.Status,
            ["bytes"] = request.Method == "HEAD" ? 0 : response.BodyLength,
            ["ms"] = Math.Round(elapsed.TotalMilliseconds, 1),
            ["location"] = response.Headers.TryGetValue("Location", out var l) ? l.Split('?')[0] : null,
            ["user_agent"] = request.UserAgent,
            ["pull"] = response.Pull is { } p ? PullOf(p, response.PullTotals) : null,
        });
    }

    /// <summary>This request's pull (outcome, reason) and pull-through's totals so far.</summary>
    private static Dictionary<string, object?> PullOf(PullOutcome pull, PullCounters? totals) => new()
    {
        ["outcome"] = pull.Status switch
        {
            PullStatus.NotInCatalog => "not_in_catalog",
            var s => s.ToString().ToLowerInvariant(),
        },
        ["reason"] = pull.Reason,
        ["pulled"] = totals?.Pulled,
        ["failed"] = totals?.Failed,
    };
}
