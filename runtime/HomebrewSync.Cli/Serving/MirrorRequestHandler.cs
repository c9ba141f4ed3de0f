using System.IO.Pipelines;
using System.Diagnostics;
using System.Globalization;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Serving;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HomebrewSync.Cli.Serving;

/// <summary>
/// One request to serve: <c>/metrics</c> for the allowed clients (passed on to the exporter), everything else answered by
/// <see cref="MirrorEndpoint"/>; then counted in the metrics and logged (one JSON line, written off the request path), a request
/// whose client went away before its answer was sent included (status 499, as nginx logs it, with the body bytes sent).
/// </summary>
internal sealed class MirrorRequestHandler(MirrorEndpoint endpoint, ServeOptions options, AccessLogWriter log, ServeMetrics metrics, TimeProvider time)
{
    private readonly BodyChunkBudget _reads = new(BodyChunkBudget.DefaultBudget);

    /// <summary>nginx's status for a request whose client closed the connection before the answer was sent.</summary>
    public const int ClientClosedRequest = 499;

    /// <summary>What a request was answered (once known) and how many body bytes reached the connection.</summary>
    private sealed class Exchange
    {
        public MirrorResponse? Answer { get; set; }

        public long Sent { get; set; }
    }

    /// <summary>The connection ended under a body being sent: the client went away, which is no error of the store.</summary>
    private sealed class ClientGoneException() : Exception("the client went away");

    public async Task InvokeAsync(HttpContext ctx, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var request = new MirrorRequest(
            ctx.Request.Method,
            ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.ToUriComponent(),
            new KestrelHeaders(ctx.Request.Headers),
            ctx.Connection.RemoteIpAddress,
            ctx.Request.Headers.UserAgent.ToString());
        var route = MirrorRoute.Of(request.RawPath);
        var exchange = new Exchange();
        MirrorResponse response;
        try
        {
            if (route == MirrorRoute.Metrics && request.Method is "GET" or "HEAD" && options.Allows(request.Client))
            {
                // Behind --allow like everything else, and open to those clients without a token (like /healthz): it lists counts, no content.
                await next(ctx);
                response = new MirrorResponse(ctx.Response.StatusCode, new Dictionary<string, string>());
            }
            else
            {
                response = await AnswerAsync(ctx, request, exchange);
            }
        }
        catch (Exception ex) when (ex is ClientGoneException || ctx.RequestAborted.IsCancellationRequested)
        {
            // Logged and counted like any request: who it was, what was asked, what was answered and how much of it was sent.
            response = (exchange.Answer ?? new MirrorResponse(ClientClosedRequest, new Dictionary<string, string>())) with
            {
                Status = ClientClosedRequest, Content = null, OpenBody = null, BodyLength = exchange.Sent,
            };
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.Observe(route, request.Method, response, elapsed);
        await log.WriteLineAsync(AccessLog.Line(request, response, elapsed, time.GetUtcNow()));
    }

    private async Task<MirrorResponse> AnswerAsync(HttpContext ctx, MirrorRequest request, Exchange exchange)
    {
        MirrorResponse response;
        try
        {
            response = await endpoint.HandleAsync(request, ctx.RequestAborted);
        }
        catch (Exception ex) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            // The store failed (S3 unreachable, a disk error): a 500 the access log records like any other answer.
            await log.WriteLineAsync($"error: {Humanize.Clip(request.Method, AccessLog.MaxMethod)} {Humanize.Clip(request.RawPath, AccessLog.MaxClientField)}: {ex.GetType().Name}: {ex.Message}");
            response = StoreUnreadable();
        }
        exchange.Answer = response;
        try
        {
            await WriteAsync(ctx, request, response, exchange);
        }
        catch (Exception ex) when (ex is not ClientGoneException && !ctx.RequestAborted.IsCancellationRequested)
        {
            await log.WriteLineAsync($"error: {Humanize.Clip(request.Method, AccessLog.MaxMethod)} {Humanize.Clip(request.RawPath, AccessLog.MaxClientField)}: the body could not be read: {ex.GetType().Name}: {ex.Message}");
            if (ctx.Response.HasStarted)
            {
                // Half-way through (the store stopped answering): the client sees a cut-off body and retries.
                ctx.Abort();
            }
            else
            {
                ctx.Response.Headers.Clear();
                response = StoreUnreadable();
                exchange.Answer = response;
                await WriteAsync(ctx, request, response, exchange);
            }
        }
        return response;
    }

    private static MirrorResponse StoreUnreadable() => MirrorResponse.Text(500, "the mirror's store could not be read\n");

    private async Task WriteAsync(HttpContext ctx, MirrorRequest request, MirrorResponse response, Exchange exchange)
    {
        ctx.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Response.ContentLength = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else
            {
                ctx.Response.Headers[name] = value;
            }
        }
        if (request.Method == "HEAD")
        {
            return;
        }
        if (response.Content is { } content)
        {
            ctx.Response.ContentLength = content.Length;
            await ctx.Response.Body.WriteAsync(content, ctx.RequestAborted);
            exchange.Sent = content.Length;
        }
        else if (response.OpenBody is { } open && response.BodyLength > 0)
        {
            // An empty object is not opened: the answer is its headers.
            await using var body = await open(ctx.RequestAborted);
            // Headers first, so the body is read into the connection's own buffers rather than into one copied after them.
            await ctx.Response.StartAsync(ctx.RequestAborted);
            await CopyAsync(body, ctx.Response.BodyWriter, response.BodyLength, exchange, ctx.RequestAborted);
        }
    }

    /// <summary>
    /// Exactly the announced length, read straight into the connection's buffers (no copy in between): no read past it to learn
    /// that the body has ended (one wait fewer for every small document, and an object replaced by a larger one since its size
    /// was read sends no more), and an object that has shrunk since is an error, never a short 200. What reached the connection
    /// is counted in <paramref name="exchange"/>. Each read is as large as <see cref="BodyChunkBudget"/> allows, its share given back
    /// once the connection has taken it.
    /// </summary>
    private async Task CopyAsync(Stream body, PipeWriter response, long length, Exchange exchange, CancellationToken cancellationToken)
    {
        for (var remaining = length; remaining > 0;)
        {
            var size = _reads.Take(remaining);
            try
            {
                var memory = response.GetMemory(size);
                // Filled before it is sent (a network body, S3's, gives a few KiB a read): one flush per read, whatever the source.
                var read = await body.ReadAtLeastAsync(memory[..size], size, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    throw new EndOfStreamException($"the stored object ended {remaining} bytes before its announced length");
                }
                response.Advance(read);
                remaining -= read;
                var flushed = await response.FlushAsync(cancellationToken);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    throw new ClientGoneException();
                }
                exchange.Sent += read;
            }
            finally
            {
                _reads.Return(size);
            }
        }
    }
}
