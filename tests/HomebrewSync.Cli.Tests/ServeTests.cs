using HomebrewSync.Aws;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Cli.Tests;

/// <summary>
/// <c>homebrew-sync serve</c> as a process, over real HTTP, answering exactly brew's request sequences for both
/// HOMEBREW_BOTTLE_DOMAIN and HOMEBREW_ARTIFACT_DOMAIN, from a folder and from S3 (moto, presigned links).
/// </summary>
[Collection(S3Collection.Name)]
public sealed class ServeTests(S3ServerFixture fixture) : IAsyncLifetime
{
    private const string Targets = "arm64_sonoma,arm64_sequoia,x86_64_linux";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-serve-" + Guid.NewGuid().ToString("N"));
    private readonly BrewClient _brew = new();
    private CliHarness _h = null!;
    private FakeFormula[] _formulae = null!;

    public async Task InitializeAsync()
    {
        _formulae =
        [
            new FormulaBuilder("openssl@3").WithVersion("3.0.1").WithBottle("arm64_sonoma", 3000).WithBottle("x86_64_linux", 3100).Build(),
            new FormulaBuilder("python@3.13").WithVersion("3.13.5", revision: 2).WithRebuild(1).WithBottle("arm64_sequoia", 4000).WithBottle("arm64_sonoma", 4100).Build(),
            new FormulaBuilder("libxml++").WithVersion("2.4").WithBottle("arm64_sonoma", 1500).Build(),
            new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("all", 900).Build(),
        ];
        _h = await CliHarness.StartAsync(_formulae);
    }

    public Task DisposeAsync() => ServedMirror.DisposeAsync(_h, _brew, _temp);

    private async Task<Dictionary<string, string?>> SyncedAsync(string kind)
    {
        var env = await ServedMirror.SyncAsync(_h, fixture, kind, Targets, _temp);
        return env;
    }

    private IEnumerable<BrewClient.Bottle> Mirrored() => BrewClient.Bottle.Of(_formulae);

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task BrewsRequestSequences_GetEveryMirroredBottle_OverBothProtocols(string kind)
    {
        var env = await SyncedAsync(kind);
        await using var serve = await ServeProcess.StartAsync(env);

        foreach (var bottle in Mirrored())
        {
            Assert.Equal([("index", HttpStatusCode.OK), ("head", HttpStatusCode.OK), ("get", HttpStatusCode.OK), ("get", HttpStatusCode.OK)],
                await _brew.FetchViaBottleDomainAsync(serve.Url, bottle));
            Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)],
                await _brew.FetchViaArtifactDomainAsync(serve.Url, bottle));
        }
        // Brew's sequence for a bottle the mirror does not have: everything 404, so brew falls back to ghcr.io.
        var absent = new BrewClient.Bottle("wget", "1.24.5", "arm64_sonoma", 0, new string('e', 64), 10);
        Assert.All(await _brew.FetchViaBottleDomainAsync(serve.Url, absent), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));
        Assert.All(await _brew.FetchViaArtifactDomainAsync(serve.Url, absent), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));
        if (kind == "s3")
        {
            // Bottles went out as links to S3: the access log names them without the signature.
            Assert.Contains("\"status\":302", serve.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Amz-Signature", serve.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task AnythingTheHashFileDoesNotList_IsA404_AndOnlyGetAndHeadAreAnswered(string kind)
    {
        var env = await SyncedAsync(kind);
        await using var serve = await ServeProcess.StartAsync(env);
        var root = serve.Url.AbsoluteUri.TrimEnd('/');

        foreach (var path in MirrorProbes.NotServed(_formulae[3].Bottles["all"].Sha256))
        {
            using var response = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, root + path));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }
        using var post = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Post, root + "/jq-1.7.1.all.bottle.tar.gz"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var health = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, root + "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"bottles\":6", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bottle_RangeEtagLastModifiedAndConditionalGets()
    {
        var env = await SyncedAsync("local");
        Directory.CreateDirectory(_h.PathOf("api/internal"));
        await File.WriteAllTextAsync(_h.PathOf("api/internal/packages.arm64_sonoma.jws.json"), "{\"payload\":\"{}\",\"signatures\":[]}");
        await using var serve = await ServeProcess.StartAsync(env);
        var jq = _formulae[3].Bottles["all"];
        var url = serve.Url.AbsoluteUri.TrimEnd('/') + "/jq-1.7.1.all.bottle.tar.gz";

        using var full = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, url));
        var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
        using var part = await _brew.SendAsync(ranged);
        var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.ParseAdd($"\"{jq.Sha256}\"");
        using var notModified = await _brew.SendAsync(conditional);
        var since = new HttpRequestMessage(HttpMethod.Get, url);
        since.Headers.IfModifiedSince = full.Content.Headers.LastModified;
        using var notModifiedSince = await _brew.SendAsync(since);
        // RFC 9110: a date later than the server's clock is ignored (no 304), and so is a Range without a number.
        var future = new HttpRequestMessage(HttpMethod.Get, url);
        future.Headers.TryAddWithoutValidation("If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT");
        using var futureSince = await _brew.SendAsync(future);
        var noNumber = new HttpRequestMessage(HttpMethod.Get, url);
        noNumber.Headers.TryAddWithoutValidation("Range", "bytes=-");
        using var wholeForBadRange = await _brew.SendAsync(noNumber);
        // If-Range (RFC 9110 13.1.5): the range only while the client's copy is this object, by ETag or exact date; else all of it.
        HttpRequestMessage Resume(string ifRange)
        {
            var resume = new HttpRequestMessage(HttpMethod.Get, url);
            resume.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
            resume.Headers.TryAddWithoutValidation("If-Range", ifRange);
            return resume;
        }
        using var sameTag = await _brew.SendAsync(Resume($"\"{jq.Sha256}\""));
        using var otherTag = await _brew.SendAsync(Resume("\"stale\""));
        using var sameDate = await _brew.SendAsync(Resume(full.Content.Headers.LastModified!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        using var earlierDate = await _brew.SendAsync(Resume(full.Content.Headers.LastModified!.Value.AddDays(-1).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        // A document's ETag is its size and time to the second, not its content: rewritten within that second, it would still
        // match. If-Range on one gets it whole, even naming its current ETag.
        var apiUrl = serve.Url.AbsoluteUri.TrimEnd('/') + "/api/internal/packages.arm64_sonoma.jws.json";
        using var api = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, apiUrl));
        var apiResume = new HttpRequestMessage(HttpMethod.Get, apiUrl);
        apiResume.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 4);
        apiResume.Headers.TryAddWithoutValidation("If-Range", api.Headers.ETag!.ToString());
        using var apiWhole = await _brew.SendAsync(apiResume);

        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal($"\"{jq.Sha256}\"", full.Headers.ETag!.ToString());
        Assert.NotNull(full.Content.Headers.LastModified);
        Assert.Equal(jq.Length, full.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(jq.ToArray()[100..200], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 100-199/{jq.Length}", part.Content.Headers.ContentRange!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, notModifiedSince.StatusCode);
        Assert.Equal(HttpStatusCode.OK, futureSince.StatusCode);
        Assert.Equal(jq.ToArray(), await futureSince.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, wholeForBadRange.StatusCode);
        Assert.Equal(jq.ToArray(), await wholeForBadRange.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, sameTag.StatusCode);
        Assert.Equal(jq.ToArray()[100..200], await sameTag.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, sameDate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherTag.StatusCode);
        Assert.Equal(jq.ToArray(), await otherTag.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, earlierDate.StatusCode);
        Assert.Equal(jq.ToArray(), await earlierDate.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiWhole.StatusCode);
        Assert.Equal(await api.Content.ReadAsStringAsync(), await apiWhole.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task S3Proxy_SendsTheBytesThrough_WithRanges()
    {
        var env = await SyncedAsync("s3");
        await using var serve = await ServeProcess.StartAsync(env, "--proxy");
        var openssl = _formulae[0].Bottles["x86_64_linux"];
        var url = serve.Url.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString("openssl@3-3.0.1.x86_64_linux.bottle.tar.gz");
        var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(3000, null);

        using var part = await _brew.SendAsync(ranged);

        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(openssl.ToArray()[3000..], await part.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain("\"status\":302", serve.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewerHashFile_IsPickedUp_AndClientsOutsideTheAllowList_AreRefused()
    {
        var env = await SyncedAsync("local");
        env["SERVE_REFRESH_SECONDS"] = "0";
        await using var open = await ServeProcess.StartAsync(env);
        await using var closed = await ServeProcess.StartAsync(env, "--allow", "10.0.0.0/8");
        var late = new FormulaBuilder("late").WithVersion("1.0").WithBottle("arm64_sonoma", 700).Build();
        _h.Server.SetFormulae([.. _formulae, late]);
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--date", "2025-07-28")).ExitCode);

        var bottle = new BrewClient.Bottle("late", "1.0", "arm64_sonoma", 0, late.Bottles["arm64_sonoma"].Sha256, 700);
        Assert.All(await _brew.FetchViaBottleDomainAsync(open.Url, bottle), s => Assert.Equal(HttpStatusCode.OK, s.Status));
        using var refused = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, closed.Url.AbsoluteUri.TrimEnd('/') + "/healthz"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        // The allow-list comes before the method: an outsider's POST is refused, not told which methods exist.
        using var refusedPost = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Post, closed.Url.AbsoluteUri.TrimEnd('/') + "/late-1.0.arm64_sonoma.bottle.tar.gz"));
        Assert.Equal(HttpStatusCode.Forbidden, refusedPost.StatusCode);
        Assert.False(refusedPost.Content.Headers.Contains("Allow"));
    }

    [Theory]
    [InlineData(",")]
    [InlineData("10.0.0.0/8,")]
    [InlineData("10.0.0.0/8, ,192.168.0.0/16")]
    [InlineData("")]
    public async Task Allow_WithAnEmptyEntry_IsAUsageError_NotEveryone(string allow)
    {
        var run = await CliProcess.RunAsync(_h.Environment(), "serve", "--listen", "http://127.0.0.1:0", "--allow", allow);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: SERVE_ALLOWED_CIDRS (--allow): ", run.Error, StringComparison.Ordinal);
        Assert.Contains("empty", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("HOMEBREW_BOTTLE_DOMAIN", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MirrorUrl_IsWhatTheExportLinesName_WhileServeListensWhereItWasTold()
    {
        var env = await SyncedAsync("local");

        await using var serve = await ServeProcess.StartAsync(env, "--mirror-url", "http://mirror.internal:8080/");

        Assert.Equal(new Uri("http://mirror.internal:8080/"), serve.Url);
        Assert.Matches(@"\(listening on http://127\.0\.0\.1:\d+\)", serve.Error);
    }

    [Fact]
    public async Task AHugeUserAgentAndPath_AreClippedInTheAccessLog_NeverWrittenWhole()
    {
        // What any client that can connect chooses: a 20,000-character User-Agent of '+' (six bytes each in JSON) and a long path.
        var env = await SyncedAsync("local");
        await using var serve = await ServeProcess.StartAsync(env);
        var path = "/" + new string('a', 6_000) + ".bottle.tar.gz";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, path));
        request.Headers.TryAddWithoutValidation("User-Agent", new string('+', 20_000));

        using var response = await _brew.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await serve.TerminateAsync();
        var line = Assert.Single(serve.Error.Split('\n'), l => l.Contains("\"status\":404", StringComparison.Ordinal));
        Assert.Contains(" (20,000 characters)", line, StringComparison.Ordinal);
        Assert.Contains($" ({path.Length:N0} characters)", line, StringComparison.Ordinal);
        Assert.InRange(line.Length, 0, 4_000);
    }

    [Fact]
    public async Task StoreThatStopsAnswering_GivesA500_AndAnAccessLogLine()
    {
        // An S3 server of this test's own, so it can go away under a running serve.
        var moto = await MotoServer.StartAsync();
        var env = _h.Environment();
        env["TARGET_PLATFORMS"] = Targets;
        env["TEMP_DIR"] = _temp;
        foreach (var (k, v) in moto.Environment())
        {
            env[k] = v;
        }
        env["HOMEBREW_SYNC_STORE"] = $"s3://{await moto.CreateBucketAsync()}";
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21")).ExitCode);
        await using var serve = await ServeProcess.StartAsync(env, "--proxy");
        await moto.DisposeAsync();

        using var index = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/openssl/3/manifests/3.0.1")));
        using var bottle = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/openssl%403-3.0.1.arm64_sonoma.bottle.tar.gz")));

        Assert.Equal(HttpStatusCode.InternalServerError, index.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, bottle.StatusCode);
        await serve.TerminateAsync();
        Assert.Equal(2, serve.Error.Split('\n').Count(l => l.Contains("\"status\":500", StringComparison.Ordinal)));
        Assert.Contains("error: GET /openssl/3/manifests/3.0.1:", serve.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_StopsCleanly_AfterPrintingWhatBrewNeeds()
    {
        var env = await SyncedAsync("local");
        var serve = await ServeProcess.StartAsync(env);
        await using (serve)
        {
            var code = await serve.TerminateAsync();

            Assert.Equal(0, code);
            Assert.Contains("Stopped.", serve.Error, StringComparison.Ordinal);
            Assert.Contains("(6 bottles)", serve.Error, StringComparison.Ordinal);
        }
    }
}
