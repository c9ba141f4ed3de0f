using System.Diagnostics.Metrics;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Serving;
using HomebrewSync.Cli.Serving;
using HomebrewSync.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace HomebrewSync.Cli.Commands;

/// <summary>
/// <c>serve</c>: the mirror over HTTP for brew (Kestrel), answering <see cref="MirrorEndpoint"/>'s routes from the store
/// until Ctrl+C or SIGTERM, with one access-log line per request on standard error and Prometheus metrics at <c>/metrics</c>.
/// With <c>--pull-through</c>, a miss the current catalog names for the target tags is fetched, stored as a sync stores it
/// and served (<see cref="PullThrough"/>); its transfers log there too.
/// </summary>
internal static class ServeCommand
{
    public const string MetricsPath = "/metrics";

    public static async Task<int> RunAsync(CliRequest request, SyncServices services, CliConsole console, CancellationToken cancellationToken)
    {
        await using var log = new AccessLogWriter(console.Error, services.Time);
        using var tokens = ServeTokenSources.Open(request.Serve!, request.Host, services.Time, w => _ = log.WriteLineAsync("warning: " + w).AsTask());
        int? names = null;
        if (tokens.Tokens is { } list)
        {
            // A token file that is wrong at start is a usage error; later, a bad rewrite keeps the last good list.
            var first = await list.LoadAsync(cancellationToken);
            if (first.Errors.Count > 0)
            {
                foreach (var e in first.Errors)
                {
                    await log.WriteLineAsync($"error: {e}");
                }
                return ExitCodes.Usage;
            }
            names = first.Tokens.Count;
        }
        // The transfers' lines go straight to standard error (synchronized); the access log's whole lines join them there.
        using var pull = request.Serve!.PullThrough is { } pulls ? new PullThrough(services.Context, pulls, new LogLineObserver(console.Error)) : null;
        if (pull is not null && !request.Serve.NeedsTokens && request.Serve.AllowedNetworks.Count == 0)
        {
            await log.WriteLineAsync("warning: --pull-through with neither --token-file nor --allow: anyone who can reach this server can make it "
                + "download and store what the catalog names for the target tags (the deployed endpoint refuses this)");
        }
        var endpoint = new MirrorEndpoint(services.Store, services.Store, request.Serve!, services.Time, tokens.Tokens, pull);
        var metrics = new ServeMetrics(endpoint, services.Time);
        var gate = request.Serve!.AllowedNetworks.Count > 0 ? new AllowListGate(request.Serve, metrics.RefusedConnections, services.Time) : null;
        using var rejected = new RejectedRequestLog(log, metrics, services.Time);
        await using var app = Build(request.Listen!, request.MaxConnections!.Value, new MirrorRequestHandler(endpoint, request.Serve!, log, metrics, services.Time), metrics, gate,
            rejected);
        using var connections = new ConnectionMetrics(app.Services.GetRequiredService<IMeterFactory>(), metrics.Registry, request.MaxConnections.Value,
            line => _ = log.WriteLineAsync(line).AsTask(), services.Time);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await log.WriteLineAsync($"error: cannot listen on {request.Listen}: {ex.Message}");
            return ExitCodes.Fatal;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        await AnnounceAsync(request, services, console, bound, names, cancellationToken);
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
        await log.WriteLineAsync(pull is null ? "Stopped." : $"Stopped. Pull-through: {pull.Counters.Pulled:N0} pulled, {pull.Counters.Failed:N0} failed, "
            + $"{pull.Counters.Joined:N0} requests answered by another's transfer, {pull.Counters.NotInCatalog:N0} not in the catalog.");
        return ExitCodes.Success;
    }

    /// <summary>
    /// Kestrel with one handler for every path; <c>/metrics</c> goes on to prometheus-net's exporter only when the handler lets it.
    /// At <paramref name="maxConnections"/> open, Kestrel closes a new connection as it arrives: a flood of clients holds no more
    /// sockets or memory than that many.
    /// </summary>
    private static WebApplication Build(Uri listen, int maxConnections, MirrorRequestHandler handler, ServeMetrics metrics, AllowListGate? gate, RejectedRequestLog rejected)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Only the requests Kestrel refuses itself (logged at Debug), as access-log lines; nothing else it logs.
        // Every other category is off (no logger is made for it, so Kestrel's checks on the request path cost nothing).
        builder.Logging.AddProvider(rejected);
        builder.Logging.SetMinimumLevel(LogLevel.None);
        builder.Logging.AddFilter(RejectedRequestLog.Category, LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxConcurrentConnections = maxConnections;
            if (gate is not null)
            {
                // Inside Kestrel's connection limit: a refused connection holds its place only until it is answered.
                k.ConfigureEndpointDefaults(endpoint => endpoint.Use(gate.Wrap));
            }
        });
        // A request's work runs on the thread its socket completed on instead of being queued to another (on two cores, a third of
        // serving's time went to those hand-offs). Safe here because nothing on the request path blocks but a stored file's read.
        builder.WebHost.UseSockets(s => s.UnsafePreferInlineScheduling = true);
        builder.WebHost.UseUrls(listen.AbsoluteUri.TrimEnd('/'));
        var app = builder.Build();
        app.Use(handler.InvokeAsync);
        app.UseMetricServer(MetricsPath, metrics.Registry);
        return app;
    }

    /// <summary>What serve prints once it listens: where, what, and the lines that point brew at it.</summary>
    private static async Task AnnounceAsync(CliRequest request, SyncServices services, CliConsole console, string bound, int? names, CancellationToken cancellationToken)
    {
        var url = ClientUrl(bound, request.Host.Notifications.MirrorUrl);
        var snapshot = await services.Store.ReadHashFileAsync(cancellationToken);
        // Straight to standard error, before the export lines: whoever reads those finds this line written.
        console.Error.WriteLine($"Serving {services.Store.Location} ({snapshot?.HashFile.Count ?? 0:N0} bottles) at {url}"
            + (request.Serve!.AllowedNetworks.Count > 0 ? $" to {string.Join(", ", request.Serve.AllowedNetworks)}" : "")
            + (names is { } n ? $" with tokens ({n} listed; image indexes and blobs need one)" : "")
            + (services.Store.Location.StartsWith("s3://", StringComparison.Ordinal) ? (request.Serve.LinkToStore ? "; bottles as links to S3" : "; bottles through this server") : "")
            + (url != bound ? $" (listening on {bound})" : "")
            + $"; Prometheus metrics at {url}{MetricsPath}. Point brew at it:");
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
    }

    /// <summary>
    /// The address clients use: the mirror URL when given (a DNS name, a proxy in front), else where Kestrel listens,
    /// with a wildcard host (0.0.0.0, [::]) replaced by this machine's name, since no client can reach a wildcard.
    /// </summary>
    internal static string ClientUrl(string bound, Uri? mirrorUrl)
    {
        if (mirrorUrl is not null)
        {
            // Printed and logged: credentials in it (user-info) are masked, as in every other output.
            return UrlDisplay.Redact(mirrorUrl).TrimEnd('/');
        }
        var uri = new Uri(bound);
        return uri.Host is "0.0.0.0" or "[::]" or "::"
            ? new UriBuilder(uri) { Host = System.Net.Dns.GetHostName() }.Uri.AbsoluteUri.TrimEnd('/')
            : bound;
    }
}
