using System.Diagnostics;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Serving;
using HomebrewSync.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HomebrewSync.Cli.Commands;

/// <summary>
/// <c>serve</c>: the mirror over HTTP for brew (Kestrel), answering <see cref="MirrorEndpoint"/>'s routes from the store
/// until Ctrl+C or SIGTERM, with one access-log line per request on standard error. With <c>--pull-through</c>, a miss the current
/// catalog names for the target tags is fetched, stored as a sync stores it and served (<see cref="PullThrough"/>); its transfers log there too.
/// </summary>
internal static class ServeCommand
{
    public const string DefaultListen = "http://127.0.0.1:8080";

    public static async Task<int> RunAsync(CliRequest request, SyncServices services, CliConsole console, CancellationToken cancellationToken)
    {
        var log = new Lock();
        using var tokens = ServeTokenSources.Open(request.Serve!, request.Host, services.Time, w =>
        {
            lock (log)
            {
                console.Error.WriteLine("warning: " + w);
            }
        });
        int? names = null;
        if (tokens.Tokens is { } list)
        {
            // A token file that is wrong at start is a usage error; later, a bad rewrite keeps the last good list.
            var first = await list.LoadAsync(cancellationToken);
            if (first.Errors.Count > 0)
            {
                foreach (var e in first.Errors)
                {
                    console.Error.WriteLine($"error: {e}");
                }
                return ExitCodes.Usage;
            }
            names = first.Tokens.Count;
        }
        // Console.Error is synchronized: the transfers' lines and the access log do not interleave within a line.
        using var pull = request.Serve!.PullThrough is { } pulls ? new PullThrough(services.Context, pulls, new LogLineObserver(console.Error)) : null;
        var endpoint = new MirrorEndpoint(services.Store, services.Store, request.Serve!, services.Time, tokens.Tokens, pull);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.WebHost.UseUrls(request.Listen!.AbsoluteUri.TrimEnd('/'));
        await using var app = builder.Build();
        app.Run(async ctx =>
        {
            var started = Stopwatch.GetTimestamp();
            var mirrorRequest = new MirrorRequest(
                ctx.Request.Method,
                ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.ToUriComponent(),
                ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
                ctx.Connection.RemoteIpAddress,
                ctx.Request.Headers.UserAgent.ToString());
            MirrorResponse response;
            try
            {
                response = await endpoint.HandleAsync(mirrorRequest, ctx.RequestAborted);
            }
            catch (Exception ex) when (!ctx.RequestAborted.IsCancellationRequested)
            {
                // The store failed (S3 unreachable, a disk error): a 500 the access log records like any other answer.
                lock (log)
                {
                    console.Error.WriteLine($"error: {mirrorRequest.Method} {mirrorRequest.RawPath}: {ex.GetType().Name}: {ex.Message}");
                }
                response = StoreUnreadable();
            }
            try
            {
                await WriteAsync(ctx, mirrorRequest, response);
            }
            catch (Exception ex) when (!ctx.RequestAborted.IsCancellationRequested)
            {
                lock (log)
                {
                    console.Error.WriteLine($"error: {mirrorRequest.Method} {mirrorRequest.RawPath}: the body could not be read: {ex.GetType().Name}: {ex.Message}");
                }
                if (ctx.Response.HasStarted)
                {
                    // Half-way through (the store stopped answering): the client sees a cut-off body and retries.
                    ctx.Abort();
                }
                else
                {
                    ctx.Response.Headers.Clear();
                    response = StoreUnreadable();
                    await WriteAsync(ctx, mirrorRequest, response);
                }
            }
            var line = AccessLog.Line(mirrorRequest, response, Stopwatch.GetElapsedTime(started), services.Time.GetUtcNow());
            lock (log)
            {
                console.Error.WriteLine(line);
            }
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            console.Error.WriteLine($"error: cannot listen on {request.Listen}: {ex.Message}");
            return ExitCodes.Fatal;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var url = ClientUrl(bound, request.Host.Notifications.MirrorUrl);
        var snapshot = await services.Store.ReadHashFileAsync(cancellationToken);
        console.Error.WriteLine($"Serving {services.Store.Location} ({snapshot?.HashFile.Count ?? 0:N0} bottles) at {url}"
            + (request.Serve!.AllowedNetworks.Count > 0 ? $" to {string.Join(", ", request.Serve.AllowedNetworks)}" : "")
            + (names is { } n ? $" with tokens ({n} listed; image indexes and blobs need one)" : "")
            + (services.Store.Location.StartsWith("s3://", StringComparison.Ordinal) ? (request.Serve.LinkToStore ? "; bottles as links to S3" : "; bottles through this server") : "")
            + (url != bound ? $" (listening on {bound})" : "")
            + ". Point brew at it:");
        if (names is null)
        {
            console.Out.WriteLine($"export HOMEBREW_BOTTLE_DOMAIN={url}");
            console.Out.WriteLine($"export HOMEBREW_ARTIFACT_DOMAIN={url}");
        }
        else
        {
            // brew sends its token only to the artifact domain; the bottle domain would be refused.
            console.Out.WriteLine($"export HOMEBREW_ARTIFACT_DOMAIN={url}");
            console.Out.WriteLine("export HOMEBREW_ARTIFACT_DOMAIN_NO_FALLBACK=1");
            console.Out.WriteLine("export HOMEBREW_DOCKER_REGISTRY_TOKEN=<your token from the token file>");
        }
        console.Out.WriteLine($"export HOMEBREW_API_DOMAIN={url}/api");
        await console.Out.FlushAsync(cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: finish the requests in flight, then stop.
        }
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(stop.Token);
        console.Error.WriteLine(pull is null ? "Stopped." : $"Stopped. Pull-through: {pull.Counters.Pulled:N0} pulled, {pull.Counters.Failed:N0} failed, "
            + $"{pull.Counters.Joined:N0} requests answered by another's transfer, {pull.Counters.NotInCatalog:N0} not in the catalog.");
        return ExitCodes.Success;
    }

    /// <summary>
    /// The address clients use: the mirror URL when given (a DNS name, a proxy in front), else where Kestrel listens,
    /// with a wildcard host (0.0.0.0, [::]) replaced by this machine's name, since no client can reach a wildcard.
    /// </summary>
    internal static string ClientUrl(string bound, Uri? mirrorUrl)
    {
        if (mirrorUrl is not null)
        {
            return mirrorUrl.AbsoluteUri.TrimEnd('/');
        }
        var uri = new Uri(bound);
        return uri.Host is "0.0.0.0" or "[::]" or "::"
            ? new UriBuilder(uri) { Host = System.Net.Dns.GetHostName() }.Uri.AbsoluteUri.TrimEnd('/')
            : bound;
    }

    private static MirrorResponse StoreUnreadable() => MirrorResponse.Text(500, "the mirror's store could not be read\n");

    private static async Task WriteAsync(HttpContext ctx, MirrorRequest request, MirrorResponse response)
    {
        ctx.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Response.ContentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
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
        }
        else if (response.OpenBody is { } open)
        {
            await using var body = await open(ctx.RequestAborted);
            await body.CopyToAsync(ctx.Response.Body, 128 * 1024, ctx.RequestAborted);
        }
    }
}
