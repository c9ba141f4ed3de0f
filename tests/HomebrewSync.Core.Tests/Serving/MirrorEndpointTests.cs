using System.Net;
using System.Text;
using System.Text.Json;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Serving;

namespace HomebrewSync.Core.Tests.Serving;

/// <summary>The endpoint's routing on the in-memory store: a mirror holding jq 1.7.1's "all" bottle, its image index and one API file.</summary>
public sealed class MirrorEndpointTests : IAsyncLifetime
{
    private const string BottleKey = "2025-07-21/jq-1.7.1.all.bottle.tar.gz";
    private const string ApiKey = "api/internal/packages.arm64_sonoma.jws.json";
    private static readonly BlobContent Bottle = BlobContent.Create(4096, 11);
    private static readonly byte[] ImageIndex = Encoding.UTF8.GetBytes("""{"schemaVersion":2}""");
    private static readonly byte[] ApiFile = Encoding.UTF8.GetBytes("""{"payload":"{}","signatures":[]}""");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 7, 21, 4, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStore _store = new();

    public async Task InitializeAsync()
    {
        var hashFile = new HashFile();
        hashFile.Set("jq-1.7.1-all", Entry("jq", "1.7.1", "all", Bottle, BottleKey));
        await _store.WriteHashFileAsync(hashFile, null, CancellationToken.None);
        _store.Put(BottleKey, Bottle.ToArray());
        _store.Documents["manifests/jq/1.7.1.json"] = ImageIndex;
        _store.Documents[ApiKey] = ApiFile;
        // Store internals that exist but must never be served.
        _store.Documents["plans/x.json"] = [1];
        _store.Documents["status/last-run.json"] = [2];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static HashEntry Entry(string name, string version, string tag, BlobContent blob, string key) =>
        new(blob.Sha256, new DateOnly(2025, 7, 21), blob.Length, name, version, tag, $"https://ghcr.io/v2/homebrew/core/{name}/blobs/sha256:{blob.Sha256}", key);

    private MirrorEndpoint Endpoint(params IPNetwork[] allowed) =>
        new(_store, _store, new ServeOptions(allowed, false, ServeOptions.DefaultLinkLifetime, ServeOptions.DefaultRefresh), _time);

    private static MirrorRequest Request(string method, string path, IPAddress? client = null, params (string Name, string Value)[] headers) =>
        new(method, path, headers.ToDictionary(h => h.Name, h => h.Value), client ?? IPAddress.Loopback);

    private static Task<MirrorResponse> GetAsync(MirrorEndpoint endpoint, string path, params (string, string)[] headers) =>
        endpoint.HandleAsync(Request("GET", path, null, headers), CancellationToken.None);

    private static async Task<byte[]> BodyAsync(MirrorResponse response)
    {
        if (response.Content is { } content)
        {
            return content;
        }
        await using var body = await response.OpenBody!(CancellationToken.None);
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task HandleAsync_BottleFileName_ServesItsBytesWithTheSha256AsETag()
    {
        var response = await GetAsync(Endpoint(), "/jq-1.7.1.all.bottle.tar.gz");

        Assert.Equal(200, response.Status);
        Assert.Equal("application/gzip", response.Headers["Content-Type"]);
        Assert.Equal($"\"{Bottle.Sha256}\"", response.Headers["ETag"]);
        Assert.Equal("4096", response.Headers["Content-Length"]);
        Assert.Equal(BottleKey, response.ObjectKey);
        Assert.Equal(Bottle.ToArray(), await BodyAsync(response));
    }

    [Fact]
    public async Task HandleAsync_RegistryBlobOfItsImage_ServesTheBottle()
    {
        var response = await GetAsync(Endpoint(), $"/v2/homebrew/core/jq/blobs/sha256:{Bottle.Sha256}");

        Assert.Equal(200, response.Status);
        Assert.Equal("application/octet-stream", response.Headers["Content-Type"]);
        Assert.Equal(Bottle.ToArray(), await BodyAsync(response));
    }

    [Theory]
    [InlineData("/jq/manifests/1.7.1")]
    [InlineData("/v2/homebrew/core/jq/manifests/1.7.1")]
    public async Task HandleAsync_ImageIndexOfAMirroredVersion_ServesItOnBothDomains(string path)
    {
        var response = await GetAsync(Endpoint(), path);

        Assert.Equal(200, response.Status);
        Assert.Equal(OciImageIndex.MediaType, response.Headers["Content-Type"]);
        Assert.Equal(ImageIndex, await BodyAsync(response));
    }

    [Fact]
    public async Task HandleAsync_ApiFile_ServesItAsJson()
    {
        var response = await GetAsync(Endpoint(), "/api/internal/packages.arm64_sonoma.jws.json");

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.Headers["Content-Type"]);
        Assert.Equal(ApiFile, await BodyAsync(response));
    }

    [Fact]
    public async Task HandleAsync_WhatTheHashFileDoesNotList_IsNotFound()
    {
        var endpoint = Endpoint();

        foreach (var path in MirrorProbes.NotServed(Bottle.Sha256).Append("/api/internal/packages.x86_64_linux.jws.json"))
        {
            var response = await GetAsync(endpoint, path);
            Assert.True(response.Status == 404, $"{path}: {response.Status}");
        }
    }

    [Fact]
    public async Task HandleAsync_HashFileListsABottleTheStoreLacks_IsNotFound()
    {
        var hashFile = (await _store.ReadHashFileAsync(CancellationToken.None))!;
        var wget = BlobContent.Create(100, 12);
        hashFile.HashFile.Set("wget-1.25.0-all", Entry("wget", "1.25.0", "all", wget, "2025-07-21/wget-1.25.0.all.bottle.tar.gz"));
        await _store.WriteHashFileAsync(hashFile.HashFile, hashFile.Version, CancellationToken.None);

        var response = await GetAsync(Endpoint(), "/wget-1.25.0.all.bottle.tar.gz");

        Assert.Equal(404, response.Status);
    }

    [Fact]
    public async Task HandleAsync_Head_AnswersTheLengthWithoutABody()
    {
        var response = await Endpoint().HandleAsync(Request("HEAD", "/jq-1.7.1.all.bottle.tar.gz"), CancellationToken.None);

        Assert.Equal(200, response.Status);
        Assert.Equal("4096", response.Headers["Content-Length"]);
        Assert.Equal(0, response.BodyLength);
        Assert.Null(response.OpenBody);
    }

    [Fact]
    public async Task HandleAsync_Range_ServesThatPartWith206()
    {
        var response = await GetAsync(Endpoint(), "/jq-1.7.1.all.bottle.tar.gz", ("range", "bytes=100-199"));

        Assert.Equal(206, response.Status);
        Assert.Equal("bytes 100-199/4096", response.Headers["Content-Range"]);
        Assert.Equal("100", response.Headers["Content-Length"]);
        Assert.Equal(Bottle.ToArray()[100..200], await BodyAsync(response));
    }

    [Fact]
    public async Task HandleAsync_RangeStartingPastTheEnd_Is416WithTheLength()
    {
        var response = await GetAsync(Endpoint(), "/jq-1.7.1.all.bottle.tar.gz", ("range", "bytes=5000-"));

        Assert.Equal(416, response.Status);
        Assert.Equal("bytes */4096", response.Headers["Content-Range"]);
    }

    [Fact]
    public async Task HandleAsync_IfNoneMatchTheETag_Is304()
    {
        var response = await GetAsync(Endpoint(), "/jq-1.7.1.all.bottle.tar.gz", ("if-none-match", $"\"other\", \"{Bottle.Sha256}\""));

        Assert.Equal(304, response.Status);
        Assert.Null(response.OpenBody);
    }

    [Fact]
    public async Task HandleAsync_IfModifiedSinceTheLastModified_Is304()
    {
        var lastModified = (await GetAsync(Endpoint(), "/api/internal/packages.arm64_sonoma.jws.json")).Headers["Last-Modified"];

        var response = await GetAsync(Endpoint(), "/api/internal/packages.arm64_sonoma.jws.json", ("if-modified-since", lastModified));

        Assert.Equal(304, response.Status);
    }

    [Fact]
    public async Task HandleAsync_ModifiedAfterIfModifiedSince_ServesTheFile()
    {
        var before = _store.Written.AddHours(-1).ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        var response = await GetAsync(Endpoint(), "/api/internal/packages.arm64_sonoma.jws.json", ("if-modified-since", before));

        Assert.Equal(200, response.Status);
        Assert.Equal(ApiFile, await BodyAsync(response));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    [InlineData("PUT")]
    public async Task HandleAsync_MethodOtherThanGetOrHead_Is405NamingTheAllowedOnes(string method)
    {
        var response = await Endpoint().HandleAsync(Request(method, "/jq-1.7.1.all.bottle.tar.gz"), CancellationToken.None);

        Assert.Equal(405, response.Status);
        Assert.Equal("GET, HEAD", response.Headers["Allow"]);
    }

    [Theory]
    [InlineData("10.1.2.3", 200)]
    [InlineData("::ffff:10.1.2.3", 200)]
    [InlineData("192.168.1.7", 403)]
    public async Task HandleAsync_AllowedNetworks_OnlyTheyGetAnAnswer(string client, int expected)
    {
        var endpoint = Endpoint(IPNetwork.Parse("10.0.0.0/8"));

        var response = await endpoint.HandleAsync(Request("GET", "/jq-1.7.1.all.bottle.tar.gz", IPAddress.Parse(client)), CancellationToken.None);

        Assert.Equal(expected, response.Status);
    }

    [Fact]
    public async Task HandleAsync_Healthz_SaysOkAndCountsTheBottles()
    {
        var response = await GetAsync(Endpoint(), "/healthz");

        Assert.Equal(200, response.Status);
        using var doc = JsonDocument.Parse(await BodyAsync(response));
        Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("bottles").GetInt32());
    }

    [Fact]
    public async Task HandleAsync_HealthzWithoutAHashFile_SaysSoAndServesNothing()
    {
        var store = new InMemoryStore();
        store.Put(BottleKey, Bottle.ToArray());
        var endpoint = new MirrorEndpoint(store, store, new ServeOptions([], false, ServeOptions.DefaultLinkLifetime, ServeOptions.DefaultRefresh), _time);

        var health = await GetAsync(endpoint, "/healthz");
        var bottle = await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz");

        using var doc = JsonDocument.Parse(await BodyAsync(health));
        Assert.Equal("no hash file yet", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(404, bottle.Status);
    }

    [Fact]
    public async Task HandleAsync_HashFileUnreadable_FailsEveryRequest_ButIsReadAgainOnlyOnceItHasChanged()
    {
        var endpoint = Endpoint();
        Assert.Equal(200, (await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz")).Status);
        var good = _store.HashFileBytes!;
        _store.SetHashFileBytes("{ not a hash file"u8.ToArray());
        var reads = 0;
        _store.OnHashFileRead = () => Interlocked.Increment(ref reads);
        _time.Advance(ServeOptions.DefaultRefresh);

        // Every request fails while it is unreadable (nothing is served that it does not vouch for), a client asking in a
        // loop included, across refresh intervals: one read, then only a HEAD per interval while it stays the same.
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<HashFileCorruptException>(() => GetAsync(endpoint, "/healthz"));
            await Assert.ThrowsAsync<HashFileCorruptException>(() => GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz"));
            _time.Advance(ServeOptions.DefaultRefresh);
        }
        Assert.Equal(1, reads);

        // Repaired: read at the next check, and served again.
        _store.SetHashFileBytes(good);
        _time.Advance(ServeOptions.DefaultRefresh);
        Assert.Equal(200, (await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz")).Status);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task HandleAsync_HashFileChanged_ServesTheNewBottleOnlyAfterTheRefreshInterval()
    {
        var endpoint = Endpoint();
        Assert.Equal(200, (await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz")).Status);
        var wget = BlobContent.Create(100, 12);
        var snapshot = (await _store.ReadHashFileAsync(CancellationToken.None))!;
        snapshot.HashFile.Set("wget-1.25.0-all", Entry("wget", "1.25.0", "all", wget, "2025-07-21/wget-1.25.0.all.bottle.tar.gz"));
        await _store.WriteHashFileAsync(snapshot.HashFile, snapshot.Version, CancellationToken.None);
        _store.Put("2025-07-21/wget-1.25.0.all.bottle.tar.gz", wget.ToArray());

        var beforeRefresh = await GetAsync(endpoint, "/wget-1.25.0.all.bottle.tar.gz");
        _time.Advance(ServeOptions.DefaultRefresh);
        var afterRefresh = await GetAsync(endpoint, "/wget-1.25.0.all.bottle.tar.gz");

        Assert.Equal(404, beforeRefresh.Status);
        Assert.Equal(200, afterRefresh.Status);
        Assert.Equal(wget.ToArray(), await BodyAsync(afterRefresh));
    }

    [Fact]
    public async Task HandleAsync_PostFromOutsideTheAllowList_Is403_FromInside405()
    {
        var endpoint = Endpoint(IPNetwork.Parse("10.0.0.0/8"));

        var outside = await endpoint.HandleAsync(Request("POST", "/jq-1.7.1.all.bottle.tar.gz", IPAddress.Parse("192.168.1.7")), CancellationToken.None);
        var inside = await endpoint.HandleAsync(Request("POST", "/jq-1.7.1.all.bottle.tar.gz", IPAddress.Parse("10.1.2.3")), CancellationToken.None);

        Assert.Equal(403, outside.Status);
        Assert.False(outside.Headers.ContainsKey("Allow"));
        Assert.Equal(405, inside.Status);
    }

    [Fact]
    public async Task HandleAsync_RangeWithoutANumber_IsIgnored_TheWholeBottleIs200()
    {
        var response = await GetAsync(Endpoint(), "/jq-1.7.1.all.bottle.tar.gz", ("range", "bytes=-"));

        Assert.Equal(200, response.Status);
        Assert.Equal(Bottle.Length, response.BodyLength);
        Assert.False(response.Headers.ContainsKey("Content-Range"));
    }

    [Fact]
    public async Task HandleAsync_IfModifiedSinceInTheFuture_IsIgnored_ButOneInThePastStillGets304()
    {
        var endpoint = Endpoint();
        var now = _time.GetUtcNow();
        static string Http(DateTimeOffset at) => at.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        var future = await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz", ("if-modified-since", Http(now.AddSeconds(1))));
        var atNow = await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz", ("if-modified-since", Http(now)));
        _time.Advance(TimeSpan.FromDays(2));
        var laterThatDateIsPast = await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz", ("if-modified-since", Http(now.AddSeconds(1))));

        Assert.Equal(200, future.Status);
        Assert.Equal(304, atNow.Status);
        Assert.Equal(304, laterThatDateIsPast.Status);
    }

    [Fact]
    public async Task HandleAsync_WithTokens_BottleNeedsOne_HealthzAndApiDoNot_TheResponseNamesTheOwner()
    {
        using var tokens = new ServeTokenFile(new FixedTokens("alice alice-0123456789abcdef\n"), _time, TimeSpan.Zero, _ => { });
        var endpoint = new MirrorEndpoint(_store, _store, new ServeOptions([], false, ServeOptions.DefaultLinkLifetime, ServeOptions.DefaultRefresh), _time, tokens);

        var anonymous = await GetAsync(endpoint, "/jq-1.7.1.all.bottle.tar.gz");
        var wrong = await GetAsync(endpoint, $"/v2/homebrew/core/jq/blobs/sha256:{Bottle.Sha256}", ("authorization", "Bearer wrong-token-0123456789"));
        var alice = await GetAsync(endpoint, $"/v2/homebrew/core/jq/blobs/sha256:{Bottle.Sha256}", ("authorization", "Bearer alice-0123456789abcdef"));
        var health = await GetAsync(endpoint, "/healthz");
        var api = await GetAsync(endpoint, "/" + ApiKey);

        Assert.Equal(401, anonymous.Status);
        Assert.Equal(MirrorEndpoint.Challenge, anonymous.Headers["WWW-Authenticate"]);
        Assert.Contains("HOMEBREW_ARTIFACT_DOMAIN", Encoding.UTF8.GetString(anonymous.Content!), StringComparison.Ordinal);
        Assert.Equal(401, wrong.Status);
        Assert.Contains("not accepted", Encoding.UTF8.GetString(wrong.Content!), StringComparison.Ordinal);
        Assert.Equal(200, alice.Status);
        Assert.Equal("alice", alice.User);
        Assert.Equal(200, health.Status);
        Assert.Equal(200, api.Status);
    }

    private sealed class FixedTokens(string text) : ITokenFileSource
    {
        public string Description => "fixed";

        public Task<TokenFileText?> ReadIfChangedAsync(string? stamp, CancellationToken cancellationToken) =>
            Task.FromResult<TokenFileText?>(stamp == "1" ? null : new TokenFileText("1", text));
    }

    [Fact]
    public async Task HandleAsync_ImageIndexRewritten_IsServedAsHeldUntilTheHashFileChanges_ThenAsRewritten()
    {
        var endpoint = Endpoint();
        Assert.Equal(ImageIndex, await BodyAsync(await GetAsync(endpoint, "/jq/manifests/1.7.1")));
        var rewritten = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"manifests":[]}""");
        _store.Documents["manifests/jq/1.7.1.json"] = rewritten;

        // Held for the hash file it was read under (brew asks for it before every bottle)...
        Assert.Equal(ImageIndex, await BodyAsync(await GetAsync(endpoint, "/jq/manifests/1.7.1")));
        // ...and read again once the hash file has changed (a sync wrote it) and the refresh interval has passed.
        var snapshot = (await _store.ReadHashFileAsync(CancellationToken.None))!;
        var hashFile = snapshot.HashFile;
        hashFile.Set("jq-1.7.1-arm64_sonoma", Entry("jq", "1.7.1", "arm64_sonoma", BlobContent.Create(100, 12), "2025-07-21/jq-1.7.1.arm64_sonoma.bottle.tar.gz"));
        await _store.WriteHashFileAsync(hashFile, snapshot.Version, CancellationToken.None);
        _time.Advance(ServeOptions.DefaultRefresh);
        var response = await GetAsync(endpoint, "/jq/manifests/1.7.1");

        Assert.Equal(rewritten, await BodyAsync(response));
        Assert.Equal(rewritten.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers["Content-Length"]);
    }

    [Fact]
    public async Task HandleAsync_ImageIndexTooLargeToHold_IsReadFromTheStoreEveryTime()
    {
        var endpoint = Endpoint();
        _store.Documents["manifests/jq/1.7.1.json"] = new byte[ImageIndexCache.MaxDocumentBytes + 1];
        Assert.Equal(200, (await GetAsync(endpoint, "/jq/manifests/1.7.1")).Status);
        var smaller = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"note":"rewritten"}""");
        _store.Documents["manifests/jq/1.7.1.json"] = smaller;

        Assert.Equal(smaller, await BodyAsync(await GetAsync(endpoint, "/jq/manifests/1.7.1")));
    }

    [Fact]
    public async Task HandleAsync_HeldImageIndex_AnswersHeadAndConditionalGetsLikeAStoredObject()
    {
        var endpoint = Endpoint();
        var first = await GetAsync(endpoint, "/jq/manifests/1.7.1");
        var head = await endpoint.HandleAsync(Request("HEAD", "/jq/manifests/1.7.1"), CancellationToken.None);
        var again = await GetAsync(endpoint, "/jq/manifests/1.7.1", ("if-none-match", first.Headers["ETag"]));
        var part = await GetAsync(endpoint, "/jq/manifests/1.7.1", ("range", "bytes=0-1"));

        Assert.Equal(OciImageIndex.MediaType, first.Headers["Content-Type"]);
        Assert.Equal(200, head.Status);
        Assert.Equal(ImageIndex.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Headers["Content-Length"]);
        Assert.Equal(first.Headers["ETag"], head.Headers["ETag"]);
        Assert.Equal(304, again.Status);
        Assert.Equal(206, part.Status);
        Assert.Equal(ImageIndex[..2], await BodyAsync(part));
    }
}
