using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HomebrewSync.TestSupport;

/// <summary>
/// A pass-through in front of the npm S3 server that adds what real S3 does and it does not, so the
/// store is tested against the rules it relies on:
/// <list type="bullet">
/// <item>PutObject with <c>If-None-Match: *</c> or <c>If-Match: &lt;etag&gt;</c> is checked against the current object (412 when it does not hold);</item>
/// <item>a body whose SHA-256 differs from <c>x-amz-checksum-sha256</c> (header, or aws-chunked trailer) is rejected with 400 BadDigest;</item>
/// <item>the <c>x-amz-server-side-encryption</c> a writer asked for is echoed on HEAD and GET.</item>
/// </list>
/// Everything else is forwarded unchanged.
/// </summary>
public sealed class S3Gateway : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Host", "Connection", "Transfer-Encoding", "Expect", "Keep-Alive", "Content-Length" };
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _upstreamBase;
    private readonly SemaphoreSlim _conditionalWrites = new(1, 1);
    private readonly ConcurrentDictionary<string, (string Method, string? KeyId)> _encryption = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Method, string? KeyId)> _pendingMultipart = new(StringComparer.Ordinal);
    private int _preconditionFailures;
    private int _checksumRejections;
    private int _verifiedChecksums;

    private S3Gateway(WebApplication app, Uri upstreamBase)
    {
        _app = app;
        _upstreamBase = upstreamBase;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None }) { Timeout = TimeSpan.FromMinutes(10) };
    }

    public Uri Url { get; private set; } = null!;
    public int PreconditionFailures => Volatile.Read(ref _preconditionFailures);
    public int ChecksumRejections => Volatile.Read(ref _checksumRejections);
    public int VerifiedChecksums => Volatile.Read(ref _verifiedChecksums);

    /// <summary>Encryption recorded for an object (bucket/key), as S3 would report it.</summary>
    public string? EncryptionOf(string bucketAndKey) => _encryption.TryGetValue(bucketAndKey, out var e) ? e.Method : null;

    public static async Task<S3Gateway> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinRequestBodyDataRate = null;
        });
        var app = builder.Build();
        var gateway = new S3Gateway(app, upstream);
        app.Run(gateway.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        gateway.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _upstream.Dispose();
        _conditionalWrites.Dispose();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var req = ctx.Request;
        var objectPath = Uri.UnescapeDataString(req.Path.Value ?? "/").TrimStart('/');
        var isPut = HttpMethods.IsPut(req.Method);
        var isPart = req.Query.ContainsKey("partNumber");
        var isCopy = req.Headers.ContainsKey("x-amz-copy-source");
        byte[]? body = null;
        if (isPut || HttpMethods.IsPost(req.Method))
        {
            using var buffer = new MemoryStream();
            await req.Body.CopyToAsync(buffer, ctx.RequestAborted);
            body = buffer.ToArray();
        }
        if (isPut && body is not null && !isCopy && ChecksumProblem(req, body) is { } problem)
        {
            Interlocked.Increment(ref _checksumRejections);
            await ErrorAsync(ctx, 400, "BadDigest", problem);
            return;
        }
        var conditional = isPut && !isPart && !isCopy && (req.Headers.ContainsKey("If-Match") || req.Headers.ContainsKey("If-None-Match"));
        if (conditional)
        {
            await _conditionalWrites.WaitAsync(ctx.RequestAborted);
        }
        try
        {
            if (conditional && await PreconditionFailsAsync(req, ctx.RequestAborted))
            {
                Interlocked.Increment(ref _preconditionFailures);
                await ErrorAsync(ctx, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
                return;
            }
            await ForwardAsync(ctx, body, objectPath, isPut && !isPart);
        }
        finally
        {
            if (conditional)
            {
                _conditionalWrites.Release();
            }
        }
    }

    private async Task<bool> PreconditionFailsAsync(HttpRequest req, CancellationToken cancellationToken)
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, new Uri(_upstreamBase, req.Path.Value!.TrimStart('/')));
        using var response = await _upstream.SendAsync(head, cancellationToken);
        var exists = response.StatusCode == HttpStatusCode.OK;
        var etag = response.Headers.ETag?.Tag;
        var ifNoneMatch = req.Headers.IfNoneMatch.ToString();
        var ifMatch = req.Headers.IfMatch.ToString();
        if (ifNoneMatch == "*" && exists)
        {
            return true;
        }
        return !string.IsNullOrEmpty(ifMatch) && (!exists || !string.Equals(Unquote(ifMatch), Unquote(etag), StringComparison.Ordinal));
    }

    private string? ChecksumProblem(HttpRequest req, byte[] body)
    {
        var chunked = req.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.OrdinalIgnoreCase)
            || req.Headers["x-amz-content-sha256"].ToString().StartsWith("STREAMING-", StringComparison.Ordinal);
        var (payload, trailers) = chunked ? DecodeAwsChunked(body) : (body, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
        var expected = req.Headers["x-amz-checksum-sha256"].ToString();
        if (string.IsNullOrEmpty(expected))
        {
            trailers.TryGetValue("x-amz-checksum-sha256", out expected);
        }
        if (string.IsNullOrEmpty(expected))
        {
            return null;
        }
        Interlocked.Increment(ref _verifiedChecksums);
        var actual = Convert.ToBase64String(SHA256.HashData(payload));
        return actual == expected ? null : $"The SHA256 you specified did not match the calculated checksum ({expected} != {actual})";
    }

    private async Task ForwardAsync(HttpContext ctx, byte[]? body, string objectPath, bool isObjectWrite)
    {
        var req = ctx.Request;
        using var message = new HttpRequestMessage(new HttpMethod(req.Method), new Uri(_upstreamBase, req.Path.Value!.TrimStart('/') + req.QueryString.Value));
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }
        foreach (var (name, values) in req.Headers)
        {
            if (HopHeaders.Contains(name))
            {
                continue;
            }
            if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        using var response = await _upstream.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        var sse = req.Headers["x-amz-server-side-encryption"].ToString();
        var sseKey = req.Headers["x-amz-server-side-encryption-aws-kms-key-id"].ToString();
        if (response.IsSuccessStatusCode && !string.IsNullOrEmpty(sse))
        {
            if (isObjectWrite)
            {
                _encryption[objectPath] = (sse, sseKey);
            }
            else if (HttpMethods.IsPost(req.Method) && req.Query.ContainsKey("uploads"))
            {
                _pendingMultipart[objectPath] = (sse, sseKey);
            }
        }
        if (response.IsSuccessStatusCode && HttpMethods.IsPost(req.Method) && req.Query.ContainsKey("uploadId") && _pendingMultipart.TryRemove(objectPath, out var pending))
        {
            _encryption[objectPath] = pending;
        }
        ctx.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Response.Headers[name] = values.ToArray();
            }
        }
        if ((HttpMethods.IsHead(req.Method) || HttpMethods.IsGet(req.Method)) && response.IsSuccessStatusCode && _encryption.TryGetValue(objectPath, out var e))
        {
            ctx.Response.Headers["x-amz-server-side-encryption"] = e.Method;
            if (!string.IsNullOrEmpty(e.KeyId))
            {
                ctx.Response.Headers["x-amz-server-side-encryption-aws-kms-key-id"] = e.KeyId;
            }
        }
        if (!HttpMethods.IsHead(req.Method))
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ctx.RequestAborted);
            await stream.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
        }
    }

    private static async Task ErrorAsync(HttpContext ctx, int status, string code, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/xml";
        await ctx.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{WebUtility.HtmlEncode(message)}</Message></Error>", ctx.RequestAborted);
    }

    /// <summary>Payload and trailers of an aws-chunked body (<c>&lt;hex&gt;[;chunk-signature=..]\r\n&lt;data&gt;\r\n ... 0\r\n&lt;trailers&gt;\r\n\r\n</c>).</summary>
    internal static (byte[] Payload, Dictionary<string, string> Trailers) DecodeAwsChunked(byte[] body)
    {
        var payload = new MemoryStream();
        var trailers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var offset = 0;
        while (offset < body.Length)
        {
            var lineEnd = IndexOfCrLf(body, offset);
            if (lineEnd < 0)
            {
                break;
            }
            var sizeLine = Encoding.ASCII.GetString(body, offset, lineEnd - offset).Split(';')[0];
            var size = Convert.ToInt32(sizeLine, 16);
            offset = lineEnd + 2;
            if (size == 0)
            {
                // Trailer lines until an empty line.
                while (offset < body.Length)
                {
                    var end = IndexOfCrLf(body, offset);
                    if (end < 0 || end == offset)
                    {
                        break;
                    }
                    var line = Encoding.ASCII.GetString(body, offset, end - offset);
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        trailers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    }
                    offset = end + 2;
                }
                break;
            }
            payload.Write(body, offset, size);
            offset += size + 2;
        }
        return (payload.ToArray(), trailers);
    }

    private static int IndexOfCrLf(byte[] b, int from)
    {
        for (var i = from; i + 1 < b.Length; i++)
        {
            if (b[i] == '\r' && b[i + 1] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private static string? Unquote(string? etag) => etag?.Trim().Trim('"');
}
