using System.Net;

namespace HomebrewSync.Core.Serving;

/// <summary>A request to the mirror, as any host (Kestrel, a Lambda function URL) received it.</summary>
/// <param name="RawPath">The path as sent, percent-encoding included (<c>/openssl%403-3.0.1.x86_64_linux.bottle.tar.gz</c>).</param>
/// <param name="Headers">Request headers, names in lower case.</param>
public sealed record MirrorRequest(string Method, string RawPath, IReadOnlyDictionary<string, string> Headers, IPAddress? Client, string? UserAgent = null)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}
