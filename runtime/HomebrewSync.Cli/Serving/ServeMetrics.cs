using System.Collections.Concurrent;
using HomebrewSync.Core.Serving;
using Prometheus;

namespace HomebrewSync.Cli.Serving;

/// <summary>
/// serve's <c>/metrics</c> (Prometheus text format, prometheus-net): requests by protocol, route and status, body bytes sent,
/// a latency histogram, whole bottles sent, pull-through outcomes, and, read when scraped, the bottles the hash file lists and its
/// age; plus the process's own (CPU, memory, GC). One registry per serve, so nothing is shared between two in one process.
/// </summary>
internal sealed class ServeMetrics
{
    private readonly Counter _requests;
    private readonly Counter _bytes;
    private readonly Histogram _duration;
    private readonly Counter _bottlesSent;
    private readonly Counter _pullThrough;

    /// <summary>Connections refused at arrival by <c>--allow</c> (<see cref="AllowListGate"/>).</summary>
    public Counter RefusedConnections { get; }
    private readonly ConcurrentDictionary<(MirrorRoute, int), Counter.Child> _byStatus = new();
    private readonly Dictionary<MirrorRoute, (Counter.Child Bytes, Histogram.Child Duration)> _byRoute;

    public ServeMetrics(MirrorEndpoint endpoint, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _requests = factory.CreateCounter("homebrew_sync_serve_requests_total", "Requests answered, by brew's protocol, route and HTTP status.", "protocol", "route", "status");
        _bytes = factory.CreateCounter("homebrew_sync_serve_response_bytes_total", "Response body bytes sent, by protocol and route (a HEAD sends none).", "protocol", "route");
        _duration = factory.CreateHistogram("homebrew_sync_serve_request_duration_seconds", "Time from a request's arrival to its last byte handed to the connection.",
            new HistogramConfiguration { LabelNames = ["protocol", "route"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        _bottlesSent = factory.CreateCounter("homebrew_sync_serve_bottles_sent_total", "Bottles sent whole (200 to a GET of a bottle or blob).");
        _pullThrough = factory.CreateCounter("homebrew_sync_serve_pull_through_total", "Pull-through outcomes for bottles the mirror did not hold yet.", "outcome");
        RefusedConnections = factory.CreateCounter("homebrew_sync_serve_connections_refused_total", "Connections from clients outside --allow, answered 403 (or closed unanswered) and closed.");
        var bottles = factory.CreateGauge("homebrew_sync_serve_bottles", "Bottles the hash file lists (what serve answers for).");
        var age = factory.CreateGauge("homebrew_sync_serve_hash_file_age_seconds", "Seconds since the hash file was last written (NaN before the first sync).");
        _byRoute = MirrorRoute.All.ToDictionary(r => r, r => (_bytes.WithLabels(r.Protocol, r.Name), _duration.WithLabels(r.Protocol, r.Name)));
        DotNetStats.Register(Registry);
        Registry.AddBeforeCollectCallback(async cancellationToken =>
        {
            var (listed, modified) = await endpoint.StatusAsync(cancellationToken);
            bottles.Set(listed);
            age.Set(modified is { } at ? (time.GetUtcNow() - at).TotalSeconds : double.NaN);
        });
    }

    public CollectorRegistry Registry { get; }

    public void Observe(MirrorRoute route, string method, MirrorResponse response, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(response);
        _byStatus.GetOrAdd((route, response.Status), k => _requests.WithLabels(k.Item1.Protocol, k.Item1.Name, k.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture))).Inc();
        var (bytes, duration) = _byRoute[route];
        if (method != "HEAD")
        {
            bytes.Inc(response.BodyLength);
            if (response.Status == 200 && (route == MirrorRoute.Bottle || route == MirrorRoute.ArtifactBlob))
            {
                _bottlesSent.Inc();
            }
        }
        duration.Observe(elapsed.TotalSeconds);
        if (response.PullThrough is { } outcome)
        {
            _pullThrough.WithLabels(outcome).Inc();
        }
    }
}
