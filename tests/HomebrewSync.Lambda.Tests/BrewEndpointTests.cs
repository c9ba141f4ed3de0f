using System.Net;
using System.Text;
using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Serving;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;
using Microsoft.Extensions.Time.Testing;

namespace HomebrewSync.Lambda.Tests;

/// <summary>
/// The deployed brew endpoint's handler, invoked in-process with the function URL's payload 2.0 for exactly
/// brew's request sequences; its 302s to presigned S3 links are followed to the S3 server (moto).
/// </summary>
[Collection(S3Collection.Name)]
public sealed class BrewEndpointTests(S3ServerFixture fixture) : IAsyncLifetime
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-endpoint-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _log = new();
    private readonly ApiSigner _signer = new();
    private byte[] _packages = null!;
    private FakeHomebrewServer _homebrew = null!;
    private FakeFormula[] _formulae = null!;
    private FakeFormula _ruby = null!;
    private Dictionary<string, string?> _env = null!;

    public async Task InitializeAsync()
    {
        _formulae =
        [
            new FormulaBuilder("openssl@3").WithVersion("3.0.1").WithBottle("arm64_sonoma", 3000).WithBottle("x86_64_linux", 3100).Build(),
            new FormulaBuilder("python@3.13").WithVersion("3.13.5", revision: 2).WithRebuild(1).WithBottle("arm64_sequoia", 4000).Build(),
            new FormulaBuilder("libxml++").WithVersion("2.4").WithBottle("arm64_sonoma", 1500).Build(),
            new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("all", 900).Build(),
        ];
        _homebrew = await FakeHomebrewServer.StartAsync(_formulae);
        _ruby = new FormulaBuilder("portable-ruby").WithVersion("4.0.6").WithBottle("arm64_big_sur", 2100).WithBottle("catalina", 2200)
            .WithBottle("arm64_linux", 2300).WithBottle("x86_64_linux", 2400).Build();
        _homebrew.SetRegistryImages([_ruby]);
        _packages = _signer.Sign(ApiSigner.PackagesPayload(_formulae, "arm64_sonoma"));
        _homebrew.SetApiFile("internal/packages.arm64_sonoma.jws.json", _packages);
        var bucket = await fixture.Server.CreateBucketAsync();
        _env = new Dictionary<string, string?>(fixture.Server.Environment(), StringComparer.Ordinal)
        {
            [EnvVars.S3BucketName] = bucket,
            [EnvVars.HomebrewApiUrl] = _homebrew.ApiUrl.AbsoluteUri,
            [EnvVars.RegistryHosts] = "127.0.0.1",
            [EnvVars.TargetPlatforms] = "arm64_sonoma,arm64_sequoia,x86_64_linux",
            [EnvVars.TempDir] = _temp,
            [EnvVars.ApiPublicKey] = _signer.PublicKeyPem,
        };
        var sync = await CliProcess.RunAsync(_env, "sync");
        Assert.True(sync.ExitCode == 0, sync.Error);
    }

    public async Task DisposeAsync()
    {
        await _homebrew.DisposeAsync();
        _log.Dispose();
        _signer.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    private async Task<(BrewClient Brew, LambdaServices Services)> ClientAsync(string? allowed = null)
    {
        var (brew, services, _) = await InvokerAsync(allowed);
        return (brew, services);
    }

    private async Task<(BrewClient Brew, LambdaServices Services, FunctionUrlInvoker Invoker)> InvokerAsync(string? allowed = null, string? tokenSecret = null,
        System.Net.Http.Headers.AuthenticationHeaderValue? authorization = null, PullThroughOptions? pull = null, TimeProvider? time = null)
    {
        var services = await LambdaServices.CreateAsync(_env, time ?? TimeProvider.System, _log, CancellationToken.None);
        var errors = new List<string>();
        var options = new ServeOptions(ServeOptions.ParseNetworks(allowed, errors, "allowed"), true, ServeOptions.DefaultLinkLifetime, TimeSpan.Zero, BrewEndpointFunction.InlineLimit,
            TokenSecretName: tokenSecret, PullThrough: pull);
        var invoker = new FunctionUrlInvoker(new BrewEndpointFunction(services, options));
        return (new BrewClient(invoker) { Authorization = authorization }, services, invoker);
    }

    [Fact]
    public async Task BrewsRequestSequences_GetEveryMirroredBottle_OverBothProtocols()
    {
        var (brew, services) = await ClientAsync();
        using var _ = services;
        using var __ = brew;
        var domain = new Uri("https://abc123.lambda-url.us-east-1.on.aws/");

        foreach (var f in _formulae)
        {
            foreach (var (tag, blob) in f.Bottles)
            {
                var bottle = new BrewClient.Bottle(f.Name, f.Version, tag, f.Rebuild, blob.Sha256, blob.Length);
                Assert.Equal([("index", HttpStatusCode.OK), ("head", HttpStatusCode.OK), ("get", HttpStatusCode.OK), ("get", HttpStatusCode.OK)],
                    await brew.FetchViaBottleDomainAsync(domain, bottle));
                Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)], await brew.FetchViaArtifactDomainAsync(domain, bottle));
            }
        }
        var absent = new BrewClient.Bottle("wget", "1.24.5", "arm64_sonoma", 0, new string('e', 64), 10);
        Assert.All(await brew.FetchViaBottleDomainAsync(domain, absent), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));
        Assert.All(await brew.FetchViaArtifactDomainAsync(domain, absent), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));
        foreach (var path in MirrorProbes.NotServed(_formulae[3].Bottles["all"].Sha256))
        {
            using var response = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(domain, path)));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }
        Assert.Contains("\"status\":302", _log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-Signature", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VendorInstallOfPortableRuby_BothDomains_GetsTheRightBytes()
    {
        var (brew, services) = await ClientAsync();
        using var _ = services;
        using var __ = brew;
        var domain = new Uri("https://abc123.lambda-url.us-east-1.on.aws/");

        foreach (var (tag, blob) in _ruby.Bottles)
        {
            Assert.All(await brew.VendorInstallAsync(domain, domain, "4.0.6", tag, blob.Sha256), r => Assert.Equal((HttpStatusCode.OK, true), (r.Status, r.Verified)));
            Assert.All(await brew.VendorInstallAsync(new Uri(domain, "/v2"), domain, "4.0.6", tag, blob.Sha256), r => Assert.Equal((HttpStatusCode.OK, true), (r.Status, r.Verified)));
        }
        Assert.All(await brew.VendorInstallAsync(domain, domain, "4.0.5", "catalina", new string('d', 64)), r => Assert.Equal(HttpStatusCode.NotFound, r.Status));
    }

    [Fact]
    public async Task BrewGitDumbHttpSequence_GetsTheMirroredRepository_ReadOnlyAndOnlyWhatTheGrammarNames()
    {
        using var upstream = await GitRepo.CreateAsync();
        await upstream.CommitAsync("Homebrew 4.6.0", new Dictionary<string, string>(GitRepo.PortableRubyFiles("4.0.6", _ruby.Bottles.ToDictionary(b => b.Key, b => b.Value.Sha256)))
        {
            ["README.md"] = "brew\n",
        }, tag: "4.6.0");
        var sync = await CliProcess.RunAsync(new Dictionary<string, string?>(_env) { [EnvVars.BrewGitRemoteUrl] = upstream.Url }, "sync");
        Assert.True(sync.ExitCode == 0, sync.Error);
        var (brew, services) = await ClientAsync();
        using var _ = services;
        using var __ = brew;
        var domain = new Uri("https://abc123.lambda-url.us-east-1.on.aws/");
        async Task<(HttpStatusCode Status, byte[] Body)> GetAsync(string path)
        {
            using var response = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(domain, path)));
            return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
        }

        // What git's dumb HTTP client asks, in its order: the refs (a smart probe first), HEAD, the pack list, each index and pack.
        var refs = await GetAsync("/brew.git/info/refs?service=git-upload-pack");
        Assert.Equal(HttpStatusCode.OK, refs.Status);
        var master = (await GitRepo.RunAsync(upstream.Bare, "rev-parse", "refs/heads/master")).Trim();
        Assert.Contains($"{master}\trefs/heads/master", Encoding.UTF8.GetString(refs.Body), StringComparison.Ordinal);
        Assert.Contains("refs/tags/4.6.0", Encoding.UTF8.GetString(refs.Body), StringComparison.Ordinal);
        Assert.Equal("ref: refs/heads/master\n", Encoding.UTF8.GetString((await GetAsync("/brew.git/HEAD")).Body));
        var packs = Encoding.UTF8.GetString((await GetAsync("/brew.git/objects/info/packs")).Body).Split('\n').Where(l => l.StartsWith("P ", StringComparison.Ordinal)).Select(l => l[2..]).ToArray();
        Assert.NotEmpty(packs);
        foreach (var pack in packs)
        {
            var idx = await GetAsync("/brew.git/objects/pack/" + pack.Replace(".pack", ".idx", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.OK, idx.Status);
            var body = await GetAsync("/brew.git/objects/pack/" + pack);
            Assert.Equal(HttpStatusCode.OK, body.Status);
            Assert.Equal("PACK"u8.ToArray(), body.Body[..4]);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/brew.git/config")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync($"/brew.git/objects/{master[..2]}/{master[2..]}")).Status);
        using var post = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(domain, "/brew.git/git-upload-pack")));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task ApiFile_IsServedWithTheMirrorsTime_And304OnIfModifiedSince()
    {
        var (brew, services) = await ClientAsync();
        using var _ = services;
        using var __ = brew;
        const string Url = "https://abc123.lambda-url.us-east-1.on.aws/api/internal/packages.arm64_sonoma.jws.json";

        using var get = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, Url));
        var conditional = new HttpRequestMessage(HttpMethod.Get, Url);
        conditional.Headers.IfModifiedSince = get.Content.Headers.LastModified;
        using var again = await brew.SendAsync(conditional);
        using var missing = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://abc123.lambda-url.us-east-1.on.aws/api/internal/packages.sonoma.jws.json"));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(_packages, await get.Content.ReadAsByteArrayAsync());
        Assert.True(get.Content.Headers.LastModified > new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ApiFileThatEndsBeforeItsAnnouncedSize_IsA502TheAccessLogShows_NotAFunctionError()
    {
        // S3 answers the read with fewer bytes than the size the file was looked up at (replaced or cut meanwhile).
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Server.Endpoint);
        proxy.Intercept = async context =>
        {
            if (context.Request.Method != "GET" || !context.Request.Path.Value!.EndsWith("packages.arm64_sonoma.jws.json", StringComparison.Ordinal))
            {
                return false;
            }
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(_packages.AsMemory(0, _packages.Length / 2));
            return true;
        };
        _env["AWS_ENDPOINT_URL_S3"] = proxy.Url.AbsoluteUri;
        var (brew, services) = await ClientAsync();
        using var _ = services;
        using var __ = brew;

        using var get = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://abc123.lambda-url.us-east-1.on.aws/api/internal/packages.arm64_sonoma.jws.json"));

        Assert.Equal(HttpStatusCode.BadGateway, get.StatusCode);
        var log = _log.ToString();
        Assert.Contains("WARN the stored object this request was answered from could not be read whole (EndOfStreamException", log, StringComparison.Ordinal);
        Assert.Contains(log.Split('\n'), l => l.Contains("\"status\":502", StringComparison.Ordinal) && l.Contains("packages.arm64_sonoma.jws.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiFileOfAFewMegabytes_FullOfQuotes_IsAnsweredWithinTheFunctionUrlsSixMegabytes()
    {
        // An array of empty strings: two quotes in every three bytes, each \u0022 (six bytes) as JSON-escaped text.
        var big = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("\"\"", 1_200_000)) + "]");
        Assert.InRange(big.Length, 3_000_000, BrewEndpointFunction.InlineLimit);
        using (var s3 = fixture.Server.CreateClient())
        {
            await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = _env[EnvVars.S3BucketName],
                Key = "api/internal/packages.big.jws.json",
                InputStream = new MemoryStream(big),
            });
        }
        var (brew, services, invoker) = await InvokerAsync();
        using var _ = services;
        using var __ = brew;

        using var get = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://abc123.lambda-url.us-east-1.on.aws/api/internal/packages.big.jws.json"));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(big, await get.Content.ReadAsByteArrayAsync());
        Assert.InRange(invoker.LastResponseBytes, big.Length, BrewEndpointFunction.ResponseLimit);
    }

    [Fact]
    public async Task ClientOutsideTheAllowedNetworks_IsRefused()
    {
        var (brew, services) = await ClientAsync(allowed: "10.0.0.0/8");
        using var _ = services;
        using var __ = brew;

        using var response = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://abc123.lambda-url.us-east-1.on.aws/healthz"));
        using var post = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Post, "https://abc123.lambda-url.us-east-1.on.aws/healthz"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
    }

    [Fact]
    public async Task WithATokenSecret_ArtifactSequenceNeedsAListedToken_BottleDomainIsRefused_HealthAndApiOpen_RotationIsRead()
    {
        const string Alice = "alice-3b1f9c0e7d2a4f58";
        const string Bob = "bob-token-0123456789abcdef0123456789";
        const string AliceNew = "alice-rotated-e2c4a6b8d0f1";
        var secret = "brew-tokens-" + Guid.NewGuid().ToString("N");
        await fixture.Server.PutSecretAsync(secret, $"# fleet\nalice {Alice}\nbob {Bob}\n");
        var domain = new Uri("https://abc123.lambda-url.us-east-1.on.aws/");
        var (bearer, services, invoker) = await InvokerAsync(tokenSecret: secret, authorization: BrewClient.Bearer(Alice));
        using var _ = services;
        using var __ = bearer;
        using var basic = new BrewClient(invoker) { Authorization = BrewClient.Basic("bob", Bob) };
        using var anonymous = new BrewClient(invoker);
        using var wrong = new BrewClient(invoker) { Authorization = BrewClient.Bearer(Alice + "0") };
        using var rotated = new BrewClient(invoker) { Authorization = BrewClient.Bearer(AliceNew) };
        (string, HttpStatusCode)[] ok = [("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)];
        (string, HttpStatusCode)[] refused = [("index", HttpStatusCode.Unauthorized), ("blob", HttpStatusCode.Unauthorized)];

        foreach (var f in _formulae)
        {
            foreach (var (tag, blob) in f.Bottles)
            {
                var bottle = new BrewClient.Bottle(f.Name, f.Version, tag, f.Rebuild, blob.Sha256, blob.Length);
                Assert.Equal(ok, await bearer.FetchViaArtifactDomainAsync(domain, bottle));
                Assert.Equal(ok, await basic.FetchViaArtifactDomainAsync(domain, bottle));
                Assert.Equal(refused, await anonymous.FetchViaArtifactDomainAsync(domain, bottle));
                Assert.Equal(refused, await wrong.FetchViaArtifactDomainAsync(domain, bottle));
                Assert.All(await anonymous.FetchViaBottleDomainAsync(domain, bottle), s => Assert.Equal(HttpStatusCode.Unauthorized, s.Status));
            }
        }
        using var challenge = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(domain, "/v2/homebrew/core/jq/manifests/1.7.1")));
        Assert.Equal("Bearer realm=\"homebrew-sync\"", challenge.Headers.WwwAuthenticate.ToString());
        using var health = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(domain, "/healthz")));
        using var api = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(domain, "/api/internal/packages.arm64_sonoma.jws.json")));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        var jq = new BrewClient.Bottle("jq", "1.7.1", "all", 0, _formulae[3].Bottles["all"].Sha256, _formulae[3].Bottles["all"].Length);
        await fixture.Server.PutSecretAsync(secret, $"alice {AliceNew}\nbob {Bob}\n");
        Assert.Equal(refused, await bearer.FetchViaArtifactDomainAsync(domain, jq));
        Assert.Equal(ok, await rotated.FetchViaArtifactDomainAsync(domain, jq));
        // A malformed value keeps the last good list, with a warning that names the line and not the token.
        await fixture.Server.PutSecretAsync(secret, $"alice {AliceNew}\nbob\n");
        Assert.Equal(ok, await rotated.FetchViaArtifactDomainAsync(domain, jq));

        var log = _log.ToString();
        Assert.Contains("\"user\":\"alice\"", log, StringComparison.Ordinal);
        Assert.Contains("\"user\":\"bob\"", log, StringComparison.Ordinal);
        Assert.Contains($"WARN token secret '{secret}'", log, StringComparison.Ordinal);
        Assert.Contains("line 2: expected NAME TOKEN", log, StringComparison.Ordinal);
        foreach (var token in new[] { Alice, Bob, AliceNew, BrewClient.Basic("bob", Bob).Parameter! })
        {
            Assert.DoesNotContain(token, log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WithATokenSecretThatCannotBeRead_NothingIsServedThatNeedsAToken()
    {
        var (brew, services, _) = await InvokerAsync(tokenSecret: "no-such-secret-" + Guid.NewGuid().ToString("N"), authorization: BrewClient.Bearer("any-token-0123456789abc"));
        using var _ = services;
        using var __ = brew;
        var jq = new BrewClient.Bottle("jq", "1.7.1", "all", 0, _formulae[3].Bottles["all"].Sha256, _formulae[3].Bottles["all"].Length);

        Assert.Equal([("index", HttpStatusCode.Unauthorized), ("blob", HttpStatusCode.Unauthorized)], await brew.FetchViaArtifactDomainAsync(new Uri("https://abc123.lambda-url.us-east-1.on.aws/"), jq));
        Assert.Contains("no token is accepted until it can be read", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithPullThrough_AVersionTheMirrorLacksIsPulledInProcess_AndAnUnknownOneIsA404()
    {
        var wget = new FormulaBuilder("wget").WithVersion("1.24.5").WithBottle("arm64_sonoma", 2000).Build();
        _homebrew.SetFormulae([.. _formulae, wget]);
        var (brew, services, _) = await InvokerAsync(pull: new PullThroughOptions(TimeSpan.FromSeconds(60), 2, TimeSpan.Zero));
        using var _ = services;
        using var __ = brew;
        var domain = new Uri("https://abc123.lambda-url.us-east-1.on.aws/");
        var blob = wget.Bottles["arm64_sonoma"];
        var bottle = new BrewClient.Bottle("wget", "1.24.5", "arm64_sonoma", 0, blob.Sha256, blob.Length);

        Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)], await brew.FetchViaArtifactDomainAsync(domain, bottle));
        Assert.Equal([("index", HttpStatusCode.OK), ("head", HttpStatusCode.OK), ("get", HttpStatusCode.OK), ("get", HttpStatusCode.OK)], await brew.FetchViaBottleDomainAsync(domain, bottle));
        Assert.Equal(1, _homebrew.BlobGets(blob.Sha256));
        var unknown = new BrewClient.Bottle("wget", "9.9", "arm64_sonoma", 0, new string('e', 64), 10);
        Assert.All(await brew.FetchViaArtifactDomainAsync(domain, unknown), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));
        Assert.Contains("\"outcome\":\"pulled\"", _log.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"not_in_catalog\"", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithPullThrough_AFailedPullIsAnsweredAgainWithoutAnotherDownload_UntilItsMemoryEnds()
    {
        var wget = new FormulaBuilder("wget").WithVersion("1.24.5").WithBottle("arm64_sonoma", 2000).Build();
        _homebrew.SetFormulae([.. _formulae, wget]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (brew, services, _) = await InvokerAsync(pull: new PullThroughOptions(TimeSpan.FromSeconds(60), 2, TimeSpan.FromHours(1)), time: time);
        using var _ = services;
        using var __ = brew;
        var blob = wget.Bottles["arm64_sonoma"];
        var url = new Uri($"https://abc123.lambda-url.us-east-1.on.aws/v2/homebrew/core/wget/blobs/sha256:{blob.Sha256}");
        _homebrew.InjectFault(blob.Sha256, FaultKind.WrongBytes, times: 1);

        async Task<(HttpStatusCode, string)> GetAsync()
        {
            using var response = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, url));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var (status, body) = await GetAsync();
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.StartsWith("pull-through failed: wget-1.24.5-arm64_sonoma: SHA mismatch", body, StringComparison.Ordinal);
        // Asked again (a client that hangs up and asks over and over): the same answer, nothing downloaded.
        time.Advance(PullThrough.FailureMemory - TimeSpan.FromSeconds(1));
        (status, body) = await GetAsync();
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("SHA mismatch", body, StringComparison.Ordinal);
        Assert.Contains("(a pull that failed lately; tried again from ", body, StringComparison.Ordinal);
        Assert.Equal(1, _homebrew.BlobGets(blob.Sha256));

        time.Advance(TimeSpan.FromSeconds(1));
        (status, body) = await GetAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, _homebrew.BlobGets(blob.Sha256));
    }

    [Fact]
    public async Task WithPullThrough_APullWhoseTimeRanOutBeforeItBegan_IsNotRemembered_AndTheNextRequestPullsTheBottle()
    {
        var wget = new FormulaBuilder("wget").WithVersion("1.24.5").WithBottle("arm64_sonoma", 2000).Build();
        _homebrew.SetFormulae([.. _formulae, wget]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limit = TimeSpan.FromSeconds(60);
        var (brew, services, _) = await InvokerAsync(pull: new PullThroughOptions(limit, 2, TimeSpan.FromHours(1)), time: time);
        using var _ = services;
        using var __ = brew;
        var blob = wget.Bottles["arm64_sonoma"];
        var url = new Uri($"https://abc123.lambda-url.us-east-1.on.aws/v2/homebrew/core/wget/blobs/sha256:{blob.Sha256}");
        // A prune holds the store, for longer than the pull may wait.
        using var s3 = fixture.Server.CreateClient();
        var bucket = _env[EnvVars.S3BucketName];
        var now = time.GetUtcNow();
        var prune = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["mode"] = "exclusive", ["purpose"] = "prune", ["host"] = "build-7", ["pid"] = 4242, ["acquired_at"] = now, ["expires_at"] = now.AddMinutes(5),
        });
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = "leases/exclusive.json", InputStream = new MemoryStream(prune) });

        async Task<(HttpStatusCode, string)> GetAsync()
        {
            using var response = await brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, url));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // The pull waits for the store on the fake clock until its time limit has passed.
        var waiting = GetAsync();
        var moved = TimeSpan.Zero;
        while (!waiting.IsCompleted && moved < 3 * limit)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            moved += TimeSpan.FromSeconds(1);
            await Task.WhenAny(waiting, Task.Delay(20));
        }
        var (status, body) = await waiting;
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("not done within the pull time limit", body, StringComparison.Ordinal);
        Assert.Equal(0, _homebrew.BlobGets(blob.Sha256));

        // The prune ends: the next request pulls the bottle at once, where a remembered failure would be answered again.
        await s3.DeleteObjectAsync(bucket, "leases/exclusive.json");
        (status, body) = await GetAsync();
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(1, _homebrew.BlobGets(blob.Sha256));
    }

    /// <summary>Turns an HTTP request into a function URL invocation (payload 2.0) and its answer back; follows a 302 to S3.</summary>
    private sealed class FunctionUrlInvoker(BrewEndpointFunction function) : HttpMessageHandler
    {
        private readonly HttpClient _s3 = new();

        /// <summary>The size of the function's last response payload, as the function URL would receive it.</summary>
        public long LastResponseBytes { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
            var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                ["version"] = "2.0",
                ["rawPath"] = request.RequestUri!.AbsolutePath,
                ["rawQueryString"] = request.RequestUri.Query.TrimStart('?'),
                ["headers"] = headers,
                ["requestContext"] = new Dictionary<string, object> { ["http"] = new Dictionary<string, object> { ["method"] = request.Method.Method, ["path"] = request.RequestUri.AbsolutePath, ["sourceIp"] = "203.0.113.7", ["userAgent"] = "Homebrew/6.0.18" } },
                ["isBase64Encoded"] = false,
            });
            using var output = await function.HandleAsync(new MemoryStream(payload));
            LastResponseBytes = output.Length;
            using var doc = await JsonDocument.ParseAsync(output, cancellationToken: cancellationToken);
            var root = doc.RootElement;
            var status = (HttpStatusCode)root.GetProperty("statusCode").GetInt32();
            var answer = root.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase);
            if (status == HttpStatusCode.Found)
            {
                // The client follows the link to S3 itself, without the registry token.
                return await _s3.GetAsync(answer["Location"], cancellationToken);
            }
            var text = root.GetProperty("body").GetString()!;
            var body = root.GetProperty("isBase64Encoded").GetBoolean() ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
            var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(body), RequestMessage = request };
            foreach (var (name, value) in answer)
            {
                if (!response.Headers.TryAddWithoutValidation(name, value) && name != "Content-Length")
                {
                    response.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }
            if (answer.TryGetValue("Content-Length", out var length) && request.Method == HttpMethod.Head)
            {
                response.Content = new ByteArrayContent([]);
                response.Content.Headers.ContentLength = long.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
            }
            return response;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _s3.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
