namespace HomebrewSync.Core.Serving;

/// <summary>
/// What the mirror answers: a status, headers, and a body that is either in memory (<see cref="Content"/>) or
/// opened when the host sends it (<see cref="OpenBody"/>, <see cref="BodyLength"/> bytes). A redirect carries
/// its target in the <c>Location</c> header.
/// </summary>
public sealed record MirrorResponse(int Status, IReadOnlyDictionary<string, string> Headers)
{
    public byte[]? Content { get; init; }
    public Func<CancellationToken, Task<Stream>>? OpenBody { get; init; }
    public long BodyLength { get; init; }

    /// <summary>The store key the body comes from, when it is a stored object (a host may answer with a link to it instead).</summary>
    public string? ObjectKey { get; init; }

    /// <summary>The name of the token the request was let in by (the access log names it; the token never leaves the endpoint).</summary>
    public string? User { get; init; }

    /// <summary>What pull-through did for this request (a miss it fetched, joined, refused or failed); null when it was not asked.</summary>
    internal PullOutcome? Pull { get; init; }

    /// <summary>Pull-through's running totals, for the access log; null without pull-through.</summary>
    internal PullCounters? PullTotals { get; init; }

    /// <summary>What pull-through did for this request as one fixed word (<c>pulled</c>, <c>joined</c>, <c>stored</c>, <c>not_in_catalog</c>, <c>failed</c>); null where it had no part. The access log and serve's <c>/metrics</c> use it.</summary>
    public string? PullThrough => Pull is { } p ? p.Status switch { PullStatus.NotInCatalog => "not_in_catalog", var s => s.ToString().ToLowerInvariant() } : null;

    public static MirrorResponse Text(int status, string text, IReadOnlyDictionary<string, string>? headers = null)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var h = new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "text/plain; charset=utf-8",
        };
        return new MirrorResponse(status, h) { Content = bytes, BodyLength = bytes.Length };
    }
}
