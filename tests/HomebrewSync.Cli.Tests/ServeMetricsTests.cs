using System.Globalization;

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
        _h = await CliHarness.StartAsync(_formulae);
        var sync = await _h.RunAsync("sync", "--date", "2025-07-21");
        Assert.True(sync.ExitCode == 0, sync.Error);
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
