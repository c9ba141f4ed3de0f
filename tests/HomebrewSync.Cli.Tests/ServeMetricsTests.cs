using System.Globalization;
using System.Net.Sockets;

namespace HomebrewSync.Cli.Tests;

/// <summary><c>serve</c>'s <c>/metrics</c> as a process over real HTTP: Prometheus text, the names and labels, counters that move with requests, <c>--allow</c>.</summary>
public sealed class ServeMetricsTests : IAsyncLifetime
{
    private readonly BrewClient _brew = new();
    private CliHarness _h = null!;
    private FakeFormula[] _formulae = null!;

    public async Task InitializeAsync()
    {
        _formulae =
        [
            new FormulaBuilder("openssl@3").WithVersion("3.0.1").WithBottle("arm64_sonoma", 3000).Build(),
            new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("all", 900).Build(),
        ];
        _h = await CliHarness.SyncedAsync(_formulae);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _brew.Dispose();
    }

    [Fact]
    public async Task Metrics_NameRequestsByProtocolRouteAndStatus_AndMoveWithEachRequest()
    {
        await using var serve = await ServeProcess.StartAsync(_h.Environment());
        var before = await ScrapeAsync(serve.Url);
        Assert.Contains("# TYPE homebrew_sync_serve_requests_total counter", before, StringComparison.Ordinal);
        Assert.Contains("# TYPE homebrew_sync_serve_request_duration_seconds histogram", before, StringComparison.Ordinal);
        Assert.Contains("# TYPE homebrew_sync_serve_response_bytes_total counter", before, StringComparison.Ordinal);
        Assert.Contains("# TYPE homebrew_sync_serve_pull_through_total counter", before, StringComparison.Ordinal);
        Assert.Equal(2, Value(before, "homebrew_sync_serve_bottles"));
        Assert.InRange(Value(before, "homebrew_sync_serve_hash_file_age_seconds"), 0, 3600);
        Assert.Contains("process_working_set_bytes", before, StringComparison.Ordinal);
        const string bottleOk = "homebrew_sync_serve_requests_total{protocol=\"bottle_domain\",route=\"bottle\",status=\"200\"}";
        Assert.DoesNotContain(bottleOk, before, StringComparison.Ordinal);

        var jq = BrewClient.Bottle.Of(_formulae).Single(b => b.Name == "jq");
        Assert.All(await _brew.FetchViaBottleDomainAsync(serve.Url, jq), s => Assert.Equal(HttpStatusCode.OK, s.Status));
        Assert.All(await _brew.FetchViaArtifactDomainAsync(serve.Url, jq), s => Assert.Equal(HttpStatusCode.OK, s.Status));
        using var missing = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/wget-1.0.all.bottle.tar.gz")));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var after = await ScrapeAsync(serve.Url);
        // brew's bottle-domain sequence: the image index, a HEAD and a GET of the bottle; then the artifact domain's index and blob.
        Assert.Equal(1, Value(after, "homebrew_sync_serve_requests_total{protocol=\"bottle_domain\",route=\"manifest\",status=\"200\"}"));
        Assert.True(Value(after, bottleOk) >= 2, after);
        Assert.Equal(1, Value(after, "homebrew_sync_serve_requests_total{protocol=\"artifact_domain\",route=\"manifest\",status=\"200\"}"));
        Assert.Equal(1, Value(after, "homebrew_sync_serve_requests_total{protocol=\"artifact_domain\",route=\"blob\",status=\"200\"}"));
        Assert.Equal(1, Value(after, "homebrew_sync_serve_requests_total{protocol=\"bottle_domain\",route=\"bottle\",status=\"404\"}"));
        Assert.True(Value(after, "homebrew_sync_serve_bottles_sent_total") >= 2, after);
        Assert.True(Value(after, "homebrew_sync_serve_response_bytes_total{protocol=\"artifact_domain\",route=\"blob\"}") >= 900, after);
        Assert.Equal(1, Value(after, "homebrew_sync_serve_request_duration_seconds_count{protocol=\"artifact_domain\",route=\"blob\"}"));
        Assert.Equal(1, Value(after, "homebrew_sync_serve_requests_total{protocol=\"metrics\",route=\"metrics\",status=\"200\"}"));

        // The scrape itself is in the access log like any request.
        await serve.TerminateAsync();
        Assert.Contains("\"path\":\"/metrics\"", serve.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AreBehindAllow_LikeEveryOtherPath()
    {
        await using var serve = await ServeProcess.StartAsync(_h.Environment(), "--allow", "10.0.0.0/8");

        using var refused = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/metrics")));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("homebrew_sync", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_PastMaxConnections_AreClosedAsTheyArrive_CountedInMetrics_AndWarnedOf()
    {
        await using var serve = await ServeProcess.StartAsync(_h.Environment(), "--max-connections", "2");
        // Two clients that keep their connections open after a request each: both are counted once answered.
        using var first = await KeptAliveAsync(serve.Url);
        using var second = await KeptAliveAsync(serve.Url);

        // A third is closed as it arrives: no answer, only the end of the stream (or a reset).
        using (var third = new TcpClient())
        {
            await third.ConnectAsync(serve.Url.Host, serve.Url.Port);
            Assert.Equal("", await RequestAsync(third, "/healthz"));
        }

        // Once a client leaves, a new connection is served again.
        first.Dispose();
        string metrics;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(serve.Url.Host, serve.Url.Port);
            // HTTP/1.0: the exposition comes unchunked, to the connection's end, so its lines are read as they are.
            metrics = await RequestAsync(client, "/metrics", "HTTP/1.0");
            if (metrics.Length > 0 || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(100);
        }
        Assert.Matches("^HTTP/1.[01] 200", metrics);
        Assert.Equal(2, Value(metrics, "homebrew_sync_serve_connections_limit"));
        Assert.InRange(Value(metrics, "homebrew_sync_serve_connections"), 1, 2);
        Assert.True(Value(metrics, "homebrew_sync_serve_connections_rejected_total") >= 1, metrics);
        await serve.TerminateAsync();
        Assert.Contains("warning: 2 connections open (--max-connections):", serve.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMadeUpMethodOfThousandsOfCharacters_IsA405_AndItsAccessLogLineStaysSmall()
    {
        await using var serve = await ServeProcess.StartAsync(_h.Environment());
        // A token of 6,000 characters that JSON writes in six bytes each: the request line Kestrel still takes.
        var method = new string('+', 3_000) + new string('&', 3_000);
        using var client = new TcpClient();
        await client.ConnectAsync(serve.Url.Host, serve.Url.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{method} /healthz HTTP/1.1\r\nHost: mirror\r\nConnection: close\r\n\r\n"));
        var answer = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 405", answer, StringComparison.Ordinal);
        await CliHarness.UntilAsync(() => serve.Error.Contains("\"status\":405", StringComparison.Ordinal), "the 405's access-log line");
        var line = serve.Error.Split('\n').Single(l => l.Contains("\"status\":405", StringComparison.Ordinal));
        Assert.InRange(line.Length, 0, 2_000);
        using var parsed = System.Text.Json.JsonDocument.Parse(line);
        Assert.StartsWith("++++", parsed.RootElement.GetProperty("method").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("… (6,000 characters)", parsed.RootElement.GetProperty("method").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestKestrelRefusesItself_IsAnAccessLogLine_AndARequestInMetrics()
    {
        await using var serve = await ServeProcess.StartAsync(_h.Environment());
        // Not HTTP: Kestrel answers 400 before serve's handler sees it; nginx would log it, serve logged nothing.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(serve.Url.Host, serve.Url.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("NOT HTTP AT ALL\r\n\r\n"));
            var answer = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        }

        await CliHarness.UntilAsync(() => serve.Error.Contains("\"status\":400", StringComparison.Ordinal), "the 400's access-log line");
        var line = serve.Error.Split('\n').Single(l => l.Contains("\"status\":400", StringComparison.Ordinal));
        using var parsed = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("-", parsed.RootElement.GetProperty("method").GetString());
        Assert.StartsWith("Invalid request line", parsed.RootElement.GetProperty("rejected").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Value(await ScrapeAsync(serve.Url), "homebrew_sync_serve_requests_total{protocol=\"other\",route=\"other\",status=\"400\"}"));
        // Nothing else Kestrel says goes out: every other line is serve's own.
        Assert.DoesNotContain("Microsoft.AspNetCore", serve.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxConnections_OutsideItsRange_IsAUsageError()
    {
        var run = await CliProcess.RunAsync(_h.Environment(), "serve", "--listen", "http://127.0.0.1:0", "--max-connections", "0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("SERVE_MAX_CONNECTIONS: 0 is outside 1..1000000", run.Error, StringComparison.Ordinal);
    }

    /// <summary>A connection that has had one request answered and stays open (HTTP/1.1 keep-alive).</summary>
    [Fact]
    public async Task ClientsOutsideAllow_CannotHoldTheConnections_AnAllowedClientGetsIn_AndTheyAreCounted()
    {
        // Only 127.0.0.2 (a loopback address a client can bind to) may ask; four connections at most.
        await using var serve = await ServeProcess.StartAsync(_h.Environment(), "--allow", "127.0.0.2/32", "--max-connections", "4");
        // An outsider that asks gets its 403, and the connection closes.
        using (var asker = new TcpClient())
        {
            await asker.ConnectAsync(serve.Url.Host, serve.Url.Port);
            Assert.StartsWith("HTTP/1.1 403", await RequestAsync(asker, "/healthz"), StringComparison.Ordinal);
            Assert.Equal(0, await asker.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }
        // Four outsiders connect and say nothing. Checked per request only, they held every place until keep-alive ran out
        // (more than two minutes), and the allowed Macs were turned away meanwhile.
        var idle = new List<TcpClient>();
        for (var i = 0; i < 4; i++)
        {
            var outsider = new TcpClient();
            await outsider.ConnectAsync(serve.Url.Host, serve.Url.Port);
            idle.Add(outsider);
        }

        // The allowed client gets in once the outsiders' wait for a request (a second) is over.
        // (The outsiders' connections may be accepted only after an allowed one: each ask is tried until answered.)
        var health = await AskAsAllowedAsync(serve.Url, "/healthz", "HTTP/1.1");
        var scrape = await AskAsAllowedAsync(serve.Url, "/metrics", "HTTP/1.0");

        Assert.StartsWith("HTTP/1.1 200", health, StringComparison.Ordinal);
        foreach (var outsider in idle)
        {
            // Closed by serve, unanswered: they sent no request.
            Assert.Equal(0, await outsider.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            outsider.Dispose();
        }
        // Five outsiders, each refused at arrival; the fourth idle one may have been closed by the limit instead, when the asker's
        // place was not given back yet (the allowed client's tries in the first second count there too).
        Assert.InRange(Value(scrape, "homebrew_sync_serve_connections_refused_total"), 4, 5);
    }

    /// <summary>One GET from 127.0.0.2 (inside --allow), asked again on a fresh connection until it is answered 200, for up to a minute.</summary>
    private static async Task<string> AskAsAllowedAsync(Uri url, string path, string version)
    {
        var answer = "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            using var allowed = new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
            await allowed.ConnectAsync(url.Host, url.Port);
            answer = await RequestAsync(allowed, path, version);
            if (!answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                await Task.Delay(200);
            }
        }
        return answer;
    }

    private static async Task<TcpClient> KeptAliveAsync(Uri url)
    {
        var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.Port);
        Assert.StartsWith("HTTP/1.1 200", await RequestAsync(client, "/healthz"), StringComparison.Ordinal);
        return client;
    }

    /// <summary>
    /// One GET on <paramref name="client"/>'s connection: the whole answer to it (to its Content-Length, or its last chunk), or ""
    /// when the server closed the connection instead.
    /// </summary>
    private static async Task<string> RequestAsync(TcpClient client, string path, string version = "HTTP/1.1")
    {
        var stream = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} {version}\r\nHost: mirror\r\n\r\n"), timeout.Token);
            var answer = new System.Text.StringBuilder();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var text = answer.ToString();
                var headersEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headersEnd >= 0 && (ContentLength(text[..headersEnd]) is { } length ? text.Length - headersEnd - 4 >= length : text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal)))
                {
                    return text;
                }
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    return text;
                }
                answer.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int? ContentLength(string headers) =>
        headers.Split("\r\n").Select(h => h.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => (int?)int.Parse(p[1].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();

    private async Task<string> ScrapeAsync(Uri url)
    {
        using var response = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(url, "/metrics")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of one sample, given as its name with labels exactly as exposed.</summary>
    private static double Value(string exposition, string sample)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no sample {sample} in:\n{exposition}");
        return double.Parse(line[(sample.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
    }
}
