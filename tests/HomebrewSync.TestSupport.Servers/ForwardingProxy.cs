using Microsoft.AspNetCore.Http;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>
/// An HTTP server on 127.0.0.1 that forwards every request to <c>target</c> and sends back its answer, leaving out the
/// request headers named (an S3-compatible endpoint that ignores If-None-Match, made of moto behind it), or answering
/// some requests itself (<see cref="Intercept"/>: S3 throttling, a connection cut mid-upload).
/// </summary>
public sealed class ForwardingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Host", "Expect",
    };

    private readonly LoopbackHost _host;
    private readonly HttpClient _client;

    private ForwardingProxy(LoopbackHost host, HttpClient client)
    {
        _host = host;
        _client = client;
    }

    public Uri Url => _host.Url;

    /// <summary>
    /// Sees each request first: true when it has answered it itself (an error, a connection cut), and it is not forwarded.
    /// </summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    /// <summary>Requests forwarded with at least one of the dropped headers left out.</summary>
    public int Stripped => _stripped;

    private int _stripped;

    public static async Task<ForwardingProxy> StartAsync(Uri target, params string[] dropHeaders)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = target };
        ForwardingProxy? proxy = null;
        var host = await LoopbackHost.StartAsync(async context => await proxy!.ForwardAsync(context, dropHeaders));
        proxy = new ForwardingProxy(host, client);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context, string[] dropHeaders)
    {
        if (Intercept is { } intercept && await intercept(context))
        {
            return;
        }
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString) { Content = new ByteArrayContent(body.ToArray()) };
        forward.Content.Headers.Clear();
        var dropped = false;
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }
            if (dropHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                dropped = true;
                continue;
            }
            if (!forward.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                forward.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        if (dropped)
        {
            Interlocked.Increment(ref _stripped);
        }
        using var answer = await _client.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _client.Dispose();
    }
}
