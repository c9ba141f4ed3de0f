
namespace HomebrewSync.Cli.Tests;

/// <summary>
/// <c>homebrew-sync serve --pull-through</c> as a process, over real HTTP, from a folder and from S3 (moto), with brew's exact
/// request sequences: a formula version the mirror lacks is pulled once, stored as a sync stores it and served; what the catalog
/// does not name is a 404 and fetches nothing; wrong bytes or an upstream that is down are a 502 and leave the store as it was;
/// with tokens, a pull needs one. Then verify, prune and the next sync treat the pulled bottle like any other.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class ServePullThroughTests(S3ServerFixture fixture) : IAsyncLifetime
{
    private const string Targets = "arm64_sonoma,x86_64_linux";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-pull-" + Guid.NewGuid().ToString("N"));
    private readonly BrewClient _brew = new();
    private CliHarness _h = null!;
    private FakeFormula _jq = null!;
    private FakeFormula _wget = null!;
    private FakeFormula _libxml = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_temp);
        _jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("all", 900).Build();
        _h = await CliHarness.StartAsync([_jq]);
        // Added to the catalog after the mirror's last sync: what a Mac asks for before the next one.
        _wget = new FormulaBuilder("wget").WithVersion("1.24.5").WithBottle("arm64_sonoma", 3000).WithBottle("x86_64_linux", 3100).WithBottle("arm64_tahoe", 3200).Build();
        _libxml = new FormulaBuilder("libxml++").WithVersion("2.4").WithRebuild(1).WithBottle("arm64_sonoma", 1500).Build();
    }

    public Task DisposeAsync() => ServedMirror.DisposeAsync(_h, _brew, _temp);

    /// <summary>A mirror synced with the first catalog, which then gains wget and libxml++.</summary>
    private async Task<Dictionary<string, string?>> SyncedAsync(string kind)
    {
        var env = await ServedMirror.SyncAsync(_h, fixture, kind, Targets, _temp, ("SERVE_REFRESH_SECONDS", "0"), ("RETRY_ATTEMPTS", "1"));
        _h.Server.SetFormulae([_jq, _wget, _libxml]);
        return env;
    }

    private static BrewClient.Bottle Bottle(FakeFormula f, string tag) => new(f.Name, f.Version, tag, f.Rebuild, f.Bottles[tag].Sha256, f.Bottles[tag].Length);

    private static async Task<JsonElement> JsonAsync(Dictionary<string, string?> env, params string[] args)
    {
        var run = await CliHarness.RunAsync(env, [.. args, "--json"]);
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}: exit {run.ExitCode}: {run.Error}");
        return JsonDocument.Parse(run.Out).RootElement.Clone();
    }

    /// <summary>The store as the commands see it: the hash file's bottles, and objects verify finds that no entry names.</summary>
    private static async Task<(int Bottles, int Unlisted)> StoreAsync(Dictionary<string, string?> env) =>
        ((await JsonAsync(env, "stats")).GetProperty("total_bottles").GetInt32(), (await JsonAsync(env, "verify")).GetProperty("unlisted").GetInt32());

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task AVersionTheMirrorLacks_IsPulledOnceOverBothProtocols_AndStaysAFullMember(string kind)
    {
        var env = await SyncedAsync(kind);
        await using (var serve = await ServeProcess.StartAsync(env, "--pull-through"))
        {
            Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)], await _brew.FetchViaArtifactDomainAsync(serve.Url, Bottle(_wget, "arm64_sonoma")));
            Assert.Equal([("index", HttpStatusCode.OK), ("head", HttpStatusCode.OK), ("get", HttpStatusCode.OK), ("get", HttpStatusCode.OK)],
                await _brew.FetchViaBottleDomainAsync(serve.Url, Bottle(_libxml, "arm64_sonoma")));
            // Asked again: answered from the store.
            Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)], await _brew.FetchViaArtifactDomainAsync(serve.Url, Bottle(_wget, "arm64_sonoma")));
            // A tag this mirror does not target is not pulled: brew goes to ghcr.io for it.
            Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.NotFound)], await _brew.FetchViaArtifactDomainAsync(serve.Url, Bottle(_wget, "arm64_tahoe")));

            Assert.Equal(1, _h.Server.BlobGets(_wget.Bottles["arm64_sonoma"].Sha256));
            Assert.Equal(1, _h.Server.BlobGets(_libxml.Bottles["arm64_sonoma"].Sha256));
            Assert.Equal(0, _h.Server.BlobGets(_wget.Bottles["arm64_tahoe"].Sha256));
            await LoggedAsync(serve, "\"outcome\":\"pulled\"");
            await LoggedAsync(serve, "\"outcome\":\"not_in_catalog\"");
        }

        // A full member: verify passes, prune keeps it, the next sync skips it and says it was pulled.
        Assert.Equal((3, 0), await StoreAsync(env));
        var prune = await CliHarness.RunAsync(env, "prune");
        Assert.True(prune.ExitCode == 0, prune.Error);
        Assert.Equal((3, 0), await StoreAsync(env));
        await using var slack = await FakeSlackServer.StartAsync();
        env["SLACK_WEBHOOK_URL"] = slack.WebhookUrl.AbsoluteUri;
        var sync = await CliHarness.RunAsync(env, "sync");
        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Equal(1, _h.Server.BlobGets(_wget.Bottles["arm64_sonoma"].Sha256));
        Assert.Equal(1, _h.Server.BlobGets(_wget.Bottles["x86_64_linux"].Sha256));
        Assert.Contains("Pulled on demand since the last sync:* 2 bottles", slack.Messages[^1].RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.Equal((4, 0), await StoreAsync(env));
    }

    [Fact]
    public async Task ConcurrentRequestsForOneBottle_WaitOnOneUpstreamTransfer()
    {
        var env = await SyncedAsync("local");
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Server.HoldBlobBodies = hold.Task;
        var sha = _wget.Bottles["arm64_sonoma"].Sha256;

        var clients = Enumerable.Range(0, 8).Select(_ => _brew.FetchViaArtifactDomainAsync(serve.Url, Bottle(_wget, "arm64_sonoma"))).ToArray();
        await CliHarness.UntilAsync(() => _h.Server.BlobGets(sha) == 1, "the first transfer reached the registry");
        // The other requests arrive while that transfer is held open.
        await Task.Delay(TimeSpan.FromSeconds(2));
        hold.SetResult();

        Assert.All(await Task.WhenAll(clients), steps => Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)], steps));
        Assert.Equal(1, _h.Server.BlobGets(sha));
        await LoggedAsync(serve, "\"outcome\":\"joined\"");
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task UnknownVersionsWrongBytesAndAnUpstreamThatIsDown_StoreNothing(string kind)
    {
        var env = await SyncedAsync(kind);
        var before = await StoreAsync(env);
        await using (var serve = await ServeProcess.StartAsync(env, "--pull-through"))
        {
            var unknown = new BrewClient.Bottle("wget", "9.9", "arm64_sonoma", 0, new string('e', 64), 10);
            Assert.All(await _brew.FetchViaArtifactDomainAsync(serve.Url, unknown), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));
            Assert.All(await _brew.FetchViaBottleDomainAsync(serve.Url, unknown), s => Assert.Equal(HttpStatusCode.NotFound, s.Status));

            var sonoma = _wget.Bottles["arm64_sonoma"].Sha256;
            _h.Server.InjectFault(sonoma, FaultKind.WrongBytes, times: 10);
            var (status, body) = await GetAsync(serve.Url, $"v2/homebrew/core/wget/blobs/sha256:{sonoma}");
            Assert.Equal(HttpStatusCode.BadGateway, status);
            Assert.StartsWith("pull-through failed: wget-1.24.5-arm64_sonoma: SHA mismatch", body, StringComparison.Ordinal);

            var linux = _wget.Bottles["x86_64_linux"].Sha256;
            _h.Server.InjectFault(linux, FaultKind.ServerError, times: 10);
            (status, body) = await GetAsync(serve.Url, $"wget-1.24.5.x86_64_linux.bottle.tar.gz");
            Assert.Equal(HttpStatusCode.BadGateway, status);
            // Which host answered (after redirects, one inside the network) is the server's log's to say.
            Assert.Equal("pull-through failed: wget-1.24.5-x86_64_linux: upstream answered with an error (the server's log says why)\n", body);
            await LoggedAsync(serve, $"HTTP 503 from 127.0.0.1:");
            await LoggedAsync(serve, "\"outcome\":\"failed\"");
        }
        Assert.Equal(before, await StoreAsync(env));

        // The catalog's host down as well: nothing can be vouched for, so nothing is fetched.
        using var refusing = RefusingPort();
        env["HOMEBREW_API_URL"] = $"http://127.0.0.1:{((IPEndPoint)refusing.LocalEndPoint!).Port}/api/formula.json";
        await using (var serve = await ServeProcess.StartAsync(env, "--pull-through"))
        {
            var (status, body) = await GetAsync(serve.Url, $"v2/homebrew/core/libxmlxx/blobs/sha256:{_libxml.Bottles["arm64_sonoma"].Sha256}");
            Assert.Equal(HttpStatusCode.BadGateway, status);
            Assert.Equal("pull-through failed: the catalog could not be read (the server's log says why)\n", body);
            // Where the catalog is (a host inside the network) is the server's log's to say, not every client's.
            await LoggedAsync(serve, $"The catalog {env["HOMEBREW_API_URL"]} could not be fetched");
        }
        Assert.Equal(before, await StoreAsync(env));
        Assert.Equal(0, _h.Server.BlobGets(_libxml.Bottles["arm64_sonoma"].Sha256));
    }

    [Fact]
    public async Task ABottleListedSinceServeLastLooked_IsServedOnlyAtItsEntrysSize()
    {
        var env = await SyncedAsync("local");
        // serve reads the hash file once and not again for an hour: a sync that lists wget meanwhile is not in its index.
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through", "--refresh", "3600");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(serve.Url, "healthz")).Status);
        var sync = await CliHarness.RunAsync(env, "sync");
        Assert.True(sync.ExitCode == 0, sync.Error);
        var file = Directory.GetFiles(env["HOMEBREW_SYNC_STORE"]!, "wget-1.24.5.arm64_sonoma.bottle.tar.gz", SearchOption.AllDirectories).Single();
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..100]);

        // Asked for, it is a miss to serve's index; pull-through finds the hash file listing it and does not fetch it again, but
        // the object is not the size the entry records: not what the hash file vouches for, so not served (as for a listed one).
        var (status, _) = await GetAsync(serve.Url, $"v2/homebrew/core/wget/blobs/sha256:{_wget.Bottles["arm64_sonoma"].Sha256}");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(1, _h.Server.BlobGets(_wget.Bottles["arm64_sonoma"].Sha256));
        await LoggedAsync(serve, "\"outcome\":\"stored\"");
    }

    [Fact]
    public async Task ClientsThatHangUpWhileTheCatalogIsRead_DoNotStopTheRead_OneReadServesTheNextPull()
    {
        // A catalog that takes as long as the test wants: three clients ask for a missing bottle and give up before it arrives.
        var env = await SyncedAsync("local");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Server.HoldCatalog = release.Task;
        var before = _h.Server.CatalogRequests;
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through");
        var path = new Uri(serve.Url, "/" + Uri.EscapeDataString(_wget.FileName("arm64_sonoma")));
        using var impatient = new HttpClient();
        for (var i = 0; i < 3; i++)
        {
            using var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.GetAsync(path, gone.Token));
        }
        await CliHarness.UntilAsync(() => _h.Server.CatalogRequests > before, "the catalog is asked for");

        release.SetResult();
        using var response = await impatient.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _h.Server.CatalogRequests - before);
    }

    [Fact]
    public async Task OpenToAnyone_IsWarnedOf_WithAnAllowList_IsNot()
    {
        var env = await SyncedAsync("local");
        const string Warning = "warning: --pull-through with neither --token-file nor --allow: anyone who can reach this server can make it download and store";
        await using (var open = await ServeProcess.StartAsync(env, "--pull-through"))
        {
            await LoggedAsync(open, Warning);
        }
        await using var allowed = await ServeProcess.StartAsync(env, "--pull-through", "--allow", "127.0.0.0/8");
        await allowed.TerminateAsync();
        Assert.Contains("Stopped. Pull-through:", allowed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Warning, allowed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTokens_APullNeedsAToken()
    {
        var env = await SyncedAsync("local");
        var tokens = Path.Combine(_temp, "tokens.txt");
        await File.WriteAllTextAsync(tokens, "alice alice-3b1f9c0e7d2a4f58\n");
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through", "--token-file", tokens);
        var indexRequests = _h.Server.IndexRequests;

        Assert.All(await _brew.FetchViaArtifactDomainAsync(serve.Url, Bottle(_wget, "arm64_sonoma")), s => Assert.Equal(HttpStatusCode.Unauthorized, s.Status));
        Assert.Equal(indexRequests, _h.Server.IndexRequests);
        Assert.Equal(0, _h.Server.BlobGets(_wget.Bottles["arm64_sonoma"].Sha256));

        using var alice = new BrewClient { Authorization = BrewClient.Bearer("alice-3b1f9c0e7d2a4f58") };
        Assert.Equal([("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)], await alice.FetchViaArtifactDomainAsync(serve.Url, Bottle(_wget, "arm64_sonoma")));
        await LoggedAsync(serve, "\"user\":\"alice\"");
    }

    [Fact]
    public async Task PullLimitsOutOfRange_AreUsageErrors_AllListedAtOnce()
    {
        var run = await CliHarness.RunAsync(_h.Environment(), "serve", "--listen", "http://127.0.0.1:0", "--pull-through",
            "--pull-timeout", "0", "--pull-concurrency", "65", "--pull-catalog-refresh", "-1");

        Assert.Equal(2, run.ExitCode);
        // Worded as every other range error: the value, then the definition's range (Settings.ServePull*).
        Assert.Contains("SERVE_PULL_TIMEOUT_SECONDS: 0 s is outside (0..3600] s", run.Error, StringComparison.Ordinal);
        Assert.Contains("SERVE_PULL_CONCURRENCY: 65 is outside 1..64", run.Error, StringComparison.Ordinal);
        Assert.Contains("SERVE_PULL_CATALOG_REFRESH_SECONDS: -1 s is outside 0..86400 s", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANameWhoseBottleHasAListedBottlesKey_IsNotPulled_AndTheListedBottleStays()
    {
        // foo 1-2 and foo-1 2 both make the key foo-1-2-arm64_sonoma (and the file foo-1-2.arm64_sonoma.bottle.tar.gz).
        var foo = new FormulaBuilder("foo").WithVersion("1-2").WithBottle("arm64_sonoma", 700).Build();
        var foo1 = new FormulaBuilder("foo-1").WithVersion("2").WithBottle("arm64_sonoma", 800).Build();
        _h.Server.SetFormulae([foo]);
        var env = await ServedMirror.SyncAsync(_h, fixture, "local", Targets, _temp, ("SERVE_REFRESH_SECONDS", "0"), ("SERVE_PULL_CATALOG_REFRESH_SECONDS", "0"));
        var theirs = $"v2/homebrew/core/foo-1/blobs/sha256:{foo1.Bottles["arm64_sonoma"].Sha256}";
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through");

        // Both in the catalog: the first claims the key, as a sync's plan has it; the second is not the mirror's.
        _h.Server.SetFormulae([foo, foo1]);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(serve.Url, theirs)).Status);
        // foo gone from the catalog: foo-1 claims the key there, but the hash file lists it for foo, whose bottle it stays.
        _h.Server.SetFormulae([foo1]);
        var (status, body) = await GetAsync(serve.Url, theirs);
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("the hash file lists it for foo 1-2", body, StringComparison.Ordinal);

        Assert.Equal(0, _h.Server.BlobGets(foo1.Bottles["arm64_sonoma"].Sha256));
        using var hashFile = JsonDocument.Parse(await File.ReadAllBytesAsync(_h.PathOf("bottles_hash.json")));
        var entry = hashFile.RootElement.GetProperty("bottles").GetProperty("foo-1-2-arm64_sonoma");
        Assert.Equal(("foo", foo.Bottles["arm64_sonoma"].Sha256), (entry.GetProperty("formula_name").GetString(), entry.GetProperty("sha256").GetString()));
    }

    [Fact]
    public async Task ABottleWhoseShaChangedOnTheDayItWasStored_IsNotPulledOverTheListedOne()
    {
        var env = await SyncedAsync("local");
        // jq 1.7.1 bottled again with other bytes, the same day: its object is the listed bottle's own.
        var rebuilt = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("all", 950).Build();
        _h.Server.SetFormulae([rebuilt]);
        env["SYNC_DATE"] = "2025-07-21";
        var file = _h.PathOf("2025-07-21/jq-1.7.1.all.bottle.tar.gz");
        var before = await File.ReadAllBytesAsync(_h.PathOf("bottles_hash.json"));
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through");

        var (status, body) = await GetAsync(serve.Url, $"v2/homebrew/core/jq/blobs/sha256:{rebuilt.Bottles["all"].Sha256}");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("2025-07-21/jq-1.7.1.all.bottle.tar.gz holds the bottle the hash file lists as jq-1.7.1-all", body, StringComparison.Ordinal);
        Assert.Contains("never replaced in place", body, StringComparison.Ordinal);
        Assert.Equal(_jq.Bottles["all"].Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(file))));
        Assert.Equal(before, await File.ReadAllBytesAsync(_h.PathOf("bottles_hash.json")));
        Assert.Equal(0, _h.Server.BlobGets(rebuilt.Bottles["all"].Sha256));
    }

    [Fact]
    public async Task TheServersOwnFailuresAreA502ThatNamesNothingOfTheServer_ItsLogHasItAll()
    {
        var env = await SyncedAsync("local");
        var store = env["HOMEBREW_SYNC_STORE"]!;
        // Upstream's connection lost, every attempt: the client is told the kind, the log what happened (which can name a host or proxy).
        var linux = _wget.Bottles["x86_64_linux"].Sha256;
        _h.Server.InjectFault(linux, FaultKind.ResetMidBody, times: 10);
        // A file where the pull's date folder goes: the store cannot take the bottle, and its error names the path.
        env["SYNC_DATE"] = "2025-07-22";
        await File.WriteAllTextAsync(Path.Combine(store, "2025-07-22"), "not a folder");
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through");

        var (status, body) = await GetAsync(serve.Url, "wget-1.24.5.x86_64_linux.bottle.tar.gz");
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("pull-through failed: wget-1.24.5-x86_64_linux: the connection to upstream failed (the server's log says why)\n", body);
        await LoggedAsync(serve, "warning: pull-through failed: wget-1.24.5-x86_64_linux: connection ");

        (status, body) = await GetAsync(serve.Url, $"v2/homebrew/core/wget/blobs/sha256:{_wget.Bottles["arm64_sonoma"].Sha256}");
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("pull-through failed: wget-1.24.5-arm64_sonoma: the store could not take it (the server's log says why)\n", body);
        await LoggedAsync(serve, Path.Combine(store, "2025-07-22"));
    }

    [Fact]
    public async Task ABlobWhoseOneKeyHoldsAListedBottle_IsStoredAndServedUnderItsOtherKey()
    {
        // dup's arm64_sonoma bottle is synced; the same day both target tags get one new blob.
        var dup = new FormulaBuilder("dup").WithVersion("2.0").WithBottle("arm64_sonoma", 1200).Build();
        _h.Server.SetFormulae([dup]);
        var env = await ServedMirror.SyncAsync(_h, fixture, "local", Targets, _temp, ("SERVE_REFRESH_SECONDS", "0"), ("SERVE_PULL_CATALOG_REFRESH_SECONDS", "0"));
        var shared = BlobContent.Create(1300, 77);
        var rebuilt = new FormulaBuilder("dup").WithVersion("2.0").WithBottle("arm64_sonoma", shared).WithBottle("x86_64_linux", shared).Build();
        _h.Server.SetFormulae([rebuilt]);
        env["SYNC_DATE"] = "2025-07-21";
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through");

        using var response = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, $"v2/homebrew/core/dup/blobs/sha256:{shared.Sha256}")));

        // The listed arm64_sonoma bottle stays; the blob is stored under x86_64_linux's key and served from there.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(shared.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await response.Content.ReadAsByteArrayAsync())));
        Assert.Equal(dup.Bottles["arm64_sonoma"].Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            await File.ReadAllBytesAsync(_h.PathOf("2025-07-21/dup-2.0.arm64_sonoma.bottle.tar.gz")))));
        using var hashFile = JsonDocument.Parse(await File.ReadAllBytesAsync(_h.PathOf("bottles_hash.json")));
        var bottles = hashFile.RootElement.GetProperty("bottles");
        Assert.Equal(dup.Bottles["arm64_sonoma"].Sha256, bottles.GetProperty("dup-2.0-arm64_sonoma").GetProperty("sha256").GetString());
        Assert.Equal(shared.Sha256, bottles.GetProperty("dup-2.0-x86_64_linux").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task MissesPastWhatMayWaitForASlot_AreRefusedAtOnce_AndFetchNothing()
    {
        // One slot: one transfer runs (held at its body) and WaitingPerSlot wait; the next miss is refused.
        var waiting = 1 + Core.Pipeline.PullThrough.WaitingPerSlot;
        var more = Enumerable.Range(0, waiting + 1).Select(i => new FormulaBuilder($"more{i}").WithBottle("arm64_sonoma", 500 + i).Build()).ToArray();
        var env = await ServedMirror.SyncAsync(_h, fixture, "local", Targets, _temp, ("SERVE_REFRESH_SECONDS", "0"));
        _h.Server.SetFormulae([_jq, .. more]);
        // A pull time limit that ends a refusal this test should see at once, were it queued instead.
        await using var serve = await ServeProcess.StartAsync(env, "--pull-through", "--pull-concurrency", "1", "--pull-timeout", "30");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Server.HoldBlobBodies = hold.Task;
        string Blob(FakeFormula f) => $"v2/homebrew/core/{f.Name}/blobs/sha256:{f.Bottles["arm64_sonoma"].Sha256}";

        var queued = more[..waiting].Select(f => GetAsync(serve.Url, Blob(f))).ToArray();
        // One transfer running and the rest waiting for its slot, as /healthz counts them.
        var since = DateTime.UtcNow;
        while (JsonDocument.Parse((await GetAsync(serve.Url, "healthz")).Body).RootElement.GetProperty("pull_through").GetProperty("in_flight").GetInt64() != waiting)
        {
            Assert.True(DateTime.UtcNow - since < TimeSpan.FromMinutes(1), "the transfers never all started");
            await Task.Delay(10);
        }
        var (status, body) = await GetAsync(serve.Url, Blob(more[^1]));
        hold.SetResult();

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains($"pull-through is busy: {Core.Pipeline.PullThrough.WaitingPerSlot} transfers already wait for one of 1 slots", body, StringComparison.Ordinal);
        Assert.All(await Task.WhenAll(queued), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(0, _h.Server.BlobGets(more[^1].Bottles["arm64_sonoma"].Sha256));
    }

    /// <summary>Each access-log line is written once its response has gone out: waited for, not assumed.</summary>
    private static Task LoggedAsync(ServeProcess serve, string text) =>
        CliHarness.UntilAsync(() => serve.Error.Contains(text, StringComparison.Ordinal), $"serve logged {text}");

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri root, string path)
    {
        using var response = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(root, path)));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A port on 127.0.0.1 that refuses connections for as long as the socket is held: bound, never listening. A port only
    /// found free and let go could be taken meanwhile by a server another test starts beside this one (tests run in parallel),
    /// whose catalog this serve would then read.
    /// </summary>
    private static System.Net.Sockets.Socket RefusingPort()
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
