using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>
/// The Homebrew API and the ghcr.io registry as a sync sees them, on 127.0.0.1 with ephemeral ports:
/// <list type="bullet">
/// <item><c>/api/formula.json</c> built from <see cref="FakeFormula"/>s;</item>
/// <item><c>/v2/homebrew/core/&lt;image&gt;/blobs/sha256:&lt;hex&gt;</c>: 401 without <c>Authorization: Bearer &lt;token&gt;</c>,
/// else a 307 to a second host (another port) that rejects any Authorization header;</item>
/// <item><c>/v2/homebrew/core/&lt;image&gt;/manifests/&lt;ref&gt;</c>: the OCI image index with <c>sh.brew.bottle.size</c> annotations;</item>
/// <item>faults on demand per blob (<see cref="InjectFault"/>).</item>
/// </list>
/// </summary>
public sealed class FakeHomebrewServer : IAsyncDisposable
{
    public const string DefaultToken = "QQ==";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, BlobContent> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FaultKind>> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _blobGets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _retryAfter = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<FakeFormula> _formulae = [];

    // By image, so a request costs what a registry's lookup does, not a walk over every formula (the benchmarks ask thousands).
    private volatile ILookup<string, FakeFormula> _byImage = Array.Empty<FakeFormula>().ToLookup(f => f.Image, StringComparer.Ordinal);
    private volatile IReadOnlyList<FakeFormula> _images = [];
    private volatile byte[]? _catalogOverride;
    private readonly ConcurrentDictionary<string, (byte[] Bytes, DateTimeOffset LastModified)> _apiFiles = new(StringComparer.Ordinal);
    private int _apiRequests;
    private long _bytesServed;
    private int _authorizationLeaks;
    private int _unauthorized;
    private int _catalogRequests;
    private int _indexRequests;
    private int _headRequests;
    private long _indexBytesServed;
    private long _firstBlobRequest;
    private int _endlessOpen;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _indexSent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _endlessIndexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _cutIndexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _authorizedByHost = new(StringComparer.OrdinalIgnoreCase);

    private FakeHomebrewServer(WebApplication app, string token)
    {
        _app = app;
        Token = token;
    }

    public string Token { get; }
    public int RegistryPort { get; private set; }
    public int BlobPort { get; private set; }
    public Uri ApiUrl => new($"http://127.0.0.1:{RegistryPort}/api/formula.json");
    public Uri RegistryUrl => new($"http://127.0.0.1:{RegistryPort}/v2/homebrew/core/");

    /// <summary>Waited before every response's first byte (a registry across a WAN: each request pays a round trip).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>When set, each blob body is sent at about this many bytes per second: one connection's share of a WAN link.</summary>
    public long? ThrottleBytesPerSecond { get; set; }

    /// <summary>Rewrites an image index before it is sent: given the image's name and the index as served, returns what to send.</summary>
    public Func<string, byte[], byte[]>? RewriteIndex { get; set; }

    /// <summary>When false, the manifests endpoint answers 404 so sizes must come from HEAD.</summary>
    public bool ServeIndexes { get; set; } = true;

    public long BytesServed => Interlocked.Read(ref _bytesServed);
    public int AuthorizationLeaks => Volatile.Read(ref _authorizationLeaks);
    public int UnauthorizedRequests => Volatile.Read(ref _unauthorized);
    public int CatalogRequests => Volatile.Read(ref _catalogRequests);
    public int IndexRequests => Volatile.Read(ref _indexRequests);
    public int HeadRequests => Volatile.Read(ref _headRequests);
    public int ApiRequests => Volatile.Read(ref _apiRequests);

    /// <summary>Bytes of image index bodies written (endless ones included) until the client stopped reading.</summary>
    public long IndexBytesServed => Interlocked.Read(ref _indexBytesServed);

    /// <summary>When the first blob request since <see cref="ClearFirstBlobRequest"/> arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks; 0 for none yet).</summary>
    public long FirstBlobRequestAt => Interlocked.Read(ref _firstBlobRequest);

    public void ClearFirstBlobRequest() => Interlocked.Exchange(ref _firstBlobRequest, 0);

    /// <summary>Endless bodies (indexes, blobs) still being written: 0 once every client that got one has hung up.</summary>
    public int EndlessBodiesOpen => Volatile.Read(ref _endlessOpen);

    /// <summary>This image's index (every reference) is an endless JSON body, generated as it is sent.</summary>
    public void ServeEndlessIndex(string image) => _endlessIndexes[image] = 0;

    /// <summary>This image's index (every request for it) announces its whole length, sends half and drops the connection.</summary>
    public void CutIndex(string image) => _cutIndexes[image] = 0;

    /// <summary>Requests that carried an Authorization header, by the Host they were addressed to (the registry's port).</summary>
    public int AuthorizationsReceivedFor(string host) => _authorizedByHost.TryGetValue(host, out var n) ? n : 0;

    /// <summary>Requests for formula.json that carried an Authorization header (credentials in the URL are not sent by HttpClient).</summary>
    public int CatalogAuthorizations => AuthorizationsReceivedFor("catalog");

    /// <summary>Serves an API file at <c>/api/&lt;path&gt;</c> (e.g. <c>internal/packages.arm64_sonoma.jws.json</c>) with this Last-Modified.</summary>
    public void SetApiFile(string path, byte[] bytes, DateTimeOffset? lastModified = null) =>
        _apiFiles[path] = (bytes, lastModified ?? new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public IReadOnlyList<FakeFormula> Formulae => _formulae;

    private TaskCompletionSource? _gate;
    private int _gateNeeded;
    private int _gateArrived;

    /// <summary>
    /// Holds every blob GET until <paramref name="requests"/> of them have arrived, then lets them all go: clients that
    /// fetch one blob at a time are certain to be in flight together (no timing involved).
    /// </summary>
    public void HoldBlobsUntil(int requests)
    {
        _gateNeeded = requests;
        _gateArrived = 0;
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Runs before each full blob body is sent: a test on a FakeTimeProvider advances its clock here, so a bottle
    /// "takes" exactly that long for a client on that clock, however fast this machine is.
    /// </summary>
    public Action? BeforeBlobBody { get; set; }

    /// <summary>When set, every full blob body waits for this task after its GET is counted (a transfer held open while more clients ask).</summary>
    public Task? HoldBlobBodies { get; set; }

    /// <summary>Full-body GETs of one blob that reached the blob host.</summary>
    public int BlobGets(string sha256) => _blobGets.TryGetValue(sha256, out var n) ? n : 0;

    public int TotalBlobGets => _blobGets.Values.Sum();

    public static async Task<FakeHomebrewServer> StartAsync(IEnumerable<FakeFormula>? formulae = null, string token = DefaultToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MinResponseDataRate = null;
        });
        var app = builder.Build();
        var server = new FakeHomebrewServer(app, token);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).Order().ToArray();
        server.RegistryPort = ports[0];
        server.BlobPort = ports[1];
        server.SetFormulae(formulae ?? []);
        return server;
    }

    /// <summary>Replaces the catalog (a new week's formula.json).</summary>
    public void SetFormulae(IEnumerable<FakeFormula> formulae)
    {
        var list = formulae.ToArray();
        foreach (var blob in list.SelectMany(f => f.Bottles.Values))
        {
            _blobs[blob.Sha256] = blob;
        }
        _formulae = list;
        _byImage = list.Concat(_images).ToLookup(f => f.Image, StringComparer.Ordinal);
        _catalogOverride = null;
    }

    /// <summary>
    /// Images the registry serves that the catalog does not list (portable Ruby: the image <c>portable-ruby</c>, tag = version): their
    /// blobs, image indexes and <c>tags/list</c>.
    /// </summary>
    public void SetRegistryImages(IEnumerable<FakeFormula> images)
    {
        var list = images.ToArray();
        foreach (var blob in list.SelectMany(f => f.Bottles.Values))
        {
            _blobs[blob.Sha256] = blob;
        }
        _images = list;
        _byImage = _formulae.Concat(list).ToLookup(f => f.Image, StringComparer.Ordinal);
    }

    /// <summary>When set, formula.json stops after this many bytes and the connection stays open (a stalled download).</summary>
    public int? StallCatalogAfterBytes { get; set; }

    /// <summary>When set, every formula.json GET waits for this task after it is counted (a slow catalog, released by the test).</summary>
    public Task? HoldCatalog { get; set; }

    /// <summary>Serves these bytes as formula.json instead (malformed or truncated catalogs).</summary>
    public void SetCatalogBody(byte[] body) => _catalogOverride = body;

    /// <summary>The next <paramref name="times"/> GETs of this blob misbehave.</summary>
    public void InjectFault(string sha256, FaultKind kind, int times = 1, TimeSpan? retryAfter = null)
    {
        var queue = _faults.GetOrAdd(sha256, _ => new ConcurrentQueue<FaultKind>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(kind);
        }
        if (retryAfter is { } ra)
        {
            _retryAfter[sha256] = ra;
        }
    }

    public string BlobUrl(FakeFormula formula, string tag) =>
        $"http://127.0.0.1:{RegistryPort}/v2/homebrew/core/{formula.Image}/blobs/sha256:{formula.Bottles[tag].Sha256}";

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Connection.LocalPort == RegistryPort && ctx.Request.Path.Value?.Contains("/blobs/", StringComparison.Ordinal) == true)
        {
            Interlocked.CompareExchange(ref _firstBlobRequest, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
        }
        if (ResponseDelay > TimeSpan.Zero)
        {
            await Task.Delay(ResponseDelay, ctx.RequestAborted);
        }
        var path = ctx.Request.Path.Value ?? "";
        if (ctx.Connection.LocalPort == BlobPort)
        {
            await ServeBlobHostAsync(ctx, path);
            return;
        }
        if (ctx.Request.Headers.ContainsKey("Authorization"))
        {
            _authorizedByHost.AddOrUpdate(path == "/api/formula.json" ? "catalog" : ctx.Request.Host.Host, 1, (_, n) => n + 1);
        }
        if (path == "/api/formula.json")
        {
            await ServeCatalogAsync(ctx);
            return;
        }
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _apiRequests);
            if (_apiFiles.TryGetValue(path["/api/".Length..], out var file))
            {
                ctx.Response.ContentType = "application/json";
                ctx.Response.Headers.LastModified = file.LastModified.ToString("R", CultureInfo.InvariantCulture);
                await ctx.Response.Body.WriteAsync(file.Bytes, ctx.RequestAborted);
            }
            else
            {
                ctx.Response.StatusCode = 404;
            }
            return;
        }
        const string prefix = "/v2/homebrew/core/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        if (ctx.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            Interlocked.Increment(ref _unauthorized);
            ctx.Response.StatusCode = 401;
            ctx.Response.Headers.WWWAuthenticate = "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:homebrew/core:pull\"";
            return;
        }
        var rest = path[prefix.Length..];
        var blobAt = rest.IndexOf("/blobs/sha256:", StringComparison.Ordinal);
        if (blobAt > 0)
        {
            await ServeBlobRedirectAsync(ctx, rest[..blobAt], rest[(blobAt + "/blobs/sha256:".Length)..]);
            return;
        }
        if (rest.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            await ServeTagsAsync(ctx, rest[..^"/tags/list".Length]);
            return;
        }
        var manifestAt = rest.IndexOf("/manifests/", StringComparison.Ordinal);
        if (manifestAt > 0)
        {
            await ServeIndexAsync(ctx, rest[..manifestAt], Uri.UnescapeDataString(rest[(manifestAt + "/manifests/".Length)..]));
            return;
        }
        ctx.Response.StatusCode = 404;
    }

    private async Task ServeCatalogAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _catalogRequests);
        if (HoldCatalog is { } hold)
        {
            try
            {
                await hold.WaitAsync(ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up before the catalog was released.
                return;
            }
        }
        ctx.Response.ContentType = "application/json";
        if (StallCatalogAfterBytes is { } stallAt)
        {
            var full = CatalogWriter.ToBytes(_formulae, RegistryPort);
            ctx.Response.ContentLength = full.Length;
            await ctx.Response.Body.WriteAsync(full.AsMemory(0, Math.Min(stallAt, full.Length)), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up.
            }
            return;
        }
        if (_catalogOverride is { } body)
        {
            await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
            return;
        }
        await CatalogWriter.WriteAsync(ctx.Response.Body, _formulae, RegistryPort, ctx.RequestAborted);
    }

    private async Task ServeBlobRedirectAsync(HttpContext ctx, string image, string sha)
    {
        var owner = _byImage[image].FirstOrDefault(f => f.Bottles.Values.Any(b => b.Sha256 == sha));
        if (owner is null || !_blobs.ContainsKey(sha))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        string? fault = null;
        if (HttpMethods.IsGet(ctx.Request.Method) && _faults.TryGetValue(sha, out var queue) && queue.TryDequeue(out var kind))
        {
            switch (kind)
            {
                case FaultKind.ServerError:
                    ctx.Response.StatusCode = 503;
                    return;
                case FaultKind.NotFound:
                    ctx.Response.StatusCode = 404;
                    return;
                case FaultKind.Unauthorized:
                    ctx.Response.StatusCode = 401;
                    return;
                case FaultKind.RedirectToFile or FaultKind.RedirectToFtp or FaultKind.RedirectToData or FaultKind.RedirectUnparsable:
                    ctx.Response.StatusCode = 307;
                    ctx.Response.Headers.Location = kind switch
                    {
                        FaultKind.RedirectToFile => "file:///etc/passwd",
                        FaultKind.RedirectToFtp => $"ftp://127.0.0.1:{BlobPort}/blobs/{sha}",
                        FaultKind.RedirectToData => "data:application/octet-stream;base64,AAAA",
                        _ => "http://[not a url",
                    };
                    return;
                case FaultKind.TooManyRequests:
                    ctx.Response.StatusCode = 429;
                    var after = _retryAfter.TryGetValue(sha, out var ra) ? ra : TimeSpan.FromSeconds(1);
                    ctx.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                    return;
                default:
                    fault = kind.ToString();
                    break;
            }
        }
        // ghcr.io answers a blob request with a redirect to a signed URL on another host.
        var location = $"http://127.0.0.1:{BlobPort}/blobs/{sha}?se=2099-01-01&sig=fake{(fault is null ? "" : "&fault=" + fault)}";
        ctx.Response.StatusCode = 307;
        ctx.Response.Headers.Location = location;
        await Task.CompletedTask;
    }

    private async Task ServeBlobHostAsync(HttpContext ctx, string path)
    {
        if (ctx.Request.Headers.ContainsKey("Authorization"))
        {
            // The signed-URL host refuses a forwarded registry token, as the real one does.
            Interlocked.Increment(ref _authorizationLeaks);
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("Authorization header not allowed with a signed URL", ctx.RequestAborted);
            return;
        }
        const string prefix = "/blobs/";
        var sha = path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : "";
        if (!_blobs.TryGetValue(sha, out var blob))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        ctx.Response.ContentType = "application/octet-stream";
        if (HttpMethods.IsHead(ctx.Request.Method))
        {
            Interlocked.Increment(ref _headRequests);
            ctx.Response.ContentLength = blob.Length;
            return;
        }
        if (_gate is { } gate)
        {
            if (Interlocked.Increment(ref _gateArrived) >= _gateNeeded)
            {
                gate.TrySetResult();
            }
            await gate.Task.WaitAsync(ctx.RequestAborted);
        }
        var range = ctx.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-') is false)
        {
            var parts = range["bytes=".Length..].Split('-');
            var from = long.Parse(parts[0], CultureInfo.InvariantCulture);
            var to = Math.Min(long.Parse(parts[1], CultureInfo.InvariantCulture), blob.Length - 1);
            ctx.Response.StatusCode = 206;
            ctx.Response.ContentLength = to - from + 1;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{to}/{blob.Length}";
            await blob.WriteToAsync(ctx.Response.Body, from, to - from + 1, ctx.RequestAborted);
            return;
        }
        _blobGets.AddOrUpdate(sha, 1, (_, n) => n + 1);
        BeforeBlobBody?.Invoke();
        if (HoldBlobBodies is { } hold)
        {
            await hold.WaitAsync(ctx.RequestAborted);
        }
        var fault = ctx.Request.Query["fault"].ToString();
        if (fault == nameof(FaultKind.Endless))
        {
            // The blob's bytes and then more, for as long as the client reads: no Content-Length to give it away.
            await blob.WriteToAsync(new CountingStream(ctx.Response.Body, n => Interlocked.Add(ref _bytesServed, n)), 0, blob.Length, ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            // The excess follows once this blob's size has been announced (its index sent), as ghcr.io's index precedes any body.
            await _indexSent.GetOrAdd(sha, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(ctx.RequestAborted);
            await WriteEndlessAsync(ctx, new byte[64 * 1024], n => Interlocked.Add(ref _bytesServed, n));
            return;
        }
        ctx.Response.ContentLength = blob.Length;
        Stream body = new CountingStream(ctx.Response.Body, n => Interlocked.Add(ref _bytesServed, n));
        if (ThrottleBytesPerSecond is { } rate)
        {
            body = new ThrottledStream(body, rate);
        }
        switch (fault)
        {
            case nameof(FaultKind.ResetMidBody):
                await blob.WriteToAsync(body, 0, blob.Length / 2, ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                ctx.Abort();
                return;
            case nameof(FaultKind.Stall):
                await blob.WriteToAsync(body, 0, blob.Length / 2, ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                try
                {
                    await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up, as it should.
                }
                return;
            case nameof(FaultKind.WrongBytes):
                var other = BlobContent.Create(blob.Length, blob.Seed + 0x5EED);
                await other.WriteToAsync(body, 0, other.Length, ctx.RequestAborted);
                return;
            default:
                await blob.WriteToAsync(body, 0, blob.Length, ctx.RequestAborted);
                return;
        }
    }

    private async Task ServeTagsAsync(HttpContext ctx, string image)
    {
        var tags = _byImage[image].Select(f => f.IndexReference).Distinct(StringComparer.Ordinal).ToArray();
        if (tags.Length == 0)
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new { name = "homebrew/core/" + image, tags }), ctx.RequestAborted);
    }

    private async Task ServeIndexAsync(HttpContext ctx, string image, string reference)
    {
        Interlocked.Increment(ref _indexRequests);
        var formula = _byImage[image].FirstOrDefault(f => f.IndexReference == reference);
        if (!ServeIndexes || formula is null)
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        ctx.Response.ContentType = "application/vnd.oci.image.index.v1+json";
        if (_endlessIndexes.ContainsKey(image))
        {
            var start = "{\"schemaVersion\":2,\"manifests\":["u8.ToArray();
            await ctx.Response.Body.WriteAsync(start, ctx.RequestAborted);
            Interlocked.Add(ref _indexBytesServed, start.Length);
            var chunk = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"annotations\":{}},", 3000)));
            await WriteEndlessAsync(ctx, chunk, n => Interlocked.Add(ref _indexBytesServed, n));
            return;
        }
        var document = ImageIndexWriter.ToBytes(formula);
        if (RewriteIndex is { } rewrite)
        {
            document = rewrite(image, document);
        }
        if (_cutIndexes.ContainsKey(image))
        {
            ctx.Response.ContentLength = document.Length;
            await ctx.Response.Body.WriteAsync(document.AsMemory(0, document.Length / 2), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            ctx.Abort();
            return;
        }
        await ctx.Response.Body.WriteAsync(document, ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        Interlocked.Add(ref _indexBytesServed, document.Length);
        foreach (var blob in formula.Bottles.Values)
        {
            _indexSent.GetOrAdd(blob.Sha256, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Writes <paramref name="chunk"/> again and again, generated lazily, until the client hangs up.</summary>
    private async Task WriteEndlessAsync(HttpContext ctx, byte[] chunk, Action<long> sent)
    {
        Interlocked.Increment(ref _endlessOpen);
        try
        {
            while (!ctx.RequestAborted.IsCancellationRequested)
            {
                // The pipe's flush result tells when the connection is gone (a write to a closed response does not throw).
                var result = await ctx.Response.BodyWriter.WriteAsync(chunk, ctx.RequestAborted);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
                sent(chunk.Length);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client hung up: exactly what a bounded reader does.
        }
        finally
        {
            Interlocked.Decrement(ref _endlessOpen);
        }
    }
}
