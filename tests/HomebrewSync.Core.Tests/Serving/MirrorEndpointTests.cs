using System.Globalization;
using System.Net;
using HomebrewSync.Core.Manifest;
using HomebrewSync.Core.Serving;
using HomebrewSync.Core.Storage;
using HomebrewSync.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HomebrewSync.Core.Tests.Serving;

public sealed class MirrorEndpointTests
{
    private const string File = "/jq-1.7.1.all.bottle.tar.gz";
    private static readonly IPAddress Inside = IPAddress.Parse("10.1.2.3");
    private static readonly IPAddress Outside = IPAddress.Parse("192.168.1.7");
    private static readonly DateTimeOffset Now = new(2025, 7, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly byte[] _bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
    private readonly FakeTimeProvider _time = new(Now);

    private async Task<MirrorEndpoint> EndpointAsync(string? allow = null, ServeTokenFile? tokens = null)
    {
        var store = new InMemoryStore { Written = Now.AddDays(-1) };
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_bytes));
        await using (var staged = await store.StageAsync("2025-07-21/jq-1.7.1.all.bottle.tar.gz", _bytes.Length, CancellationToken.None))
        {
            await staged.Content.WriteAsync(_bytes);
            await staged.CommitAsync(new BottleMetadata("jq", "1.7.1", "all", new DateOnly(2025, 7, 21), sha, "test", "https://formulae.brew.sh/api/formula.json"), CancellationToken.None);
        }
        var manifest = new HashManifest();
        manifest.Set("jq-1.7.1-all", new HashEntry(sha, new DateOnly(2025, 7, 21), _bytes.Length, "jq", "1.7.1", "all", "https://ghcr.io/x", "2025-07-21/jq-1.7.1.all.bottle.tar.gz"));
        await store.WriteManifestAsync(manifest, null, CancellationToken.None);
        // The endpoint notices the hash file by a HEAD; the in-memory store answers HEADs from its documents.
        store.Documents["bottles_hash.json"] = store.ManifestBytes!;
        var errors = new List<string>();
        var options = new ServeOptions(ServeOptions.ParseNetworks(allow, errors, "allow"), false, ServeOptions.DefaultLinkLifetime, TimeSpan.Zero);
        Assert.Empty(errors);
        return new MirrorEndpoint(store, store, options, _time, tokens);
    }

    private static MirrorRequest Request(string method, IPAddress client, params (string Name, string Value)[] headers) =>
        new(method, File, headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.Ordinal), client);

    [Fact]
    public async Task HandleAsync_PostFromOutsideTheAllowList_Is403_FromInside405()
    {
        var endpoint = await EndpointAsync("10.0.0.0/8");

        var outside = await endpoint.HandleAsync(Request("POST", Outside), CancellationToken.None);
        var inside = await endpoint.HandleAsync(Request("POST", Inside), CancellationToken.None);

        Assert.Equal(403, outside.Status);
        Assert.False(outside.Headers.ContainsKey("Allow"));
        Assert.Equal(405, inside.Status);
    }

    [Fact]
    public async Task HandleAsync_RangeWithoutANumber_IsIgnored_TheWholeBottleIs200()
    {
        var endpoint = await EndpointAsync();

        var response = await endpoint.HandleAsync(Request("GET", Inside, ("range", "bytes=-")), CancellationToken.None);

        Assert.Equal(200, response.Status);
        Assert.Equal(_bytes.Length, response.BodyLength);
        Assert.False(response.Headers.ContainsKey("Content-Range"));
    }

    [Fact]
    public async Task HandleAsync_IfModifiedSinceInTheFuture_IsIgnored_ButOneInThePastStillGets304()
    {
        var endpoint = await EndpointAsync();
        static string Http(DateTimeOffset at) => at.ToString("R", CultureInfo.InvariantCulture);

        var future = await endpoint.HandleAsync(Request("GET", Inside, ("if-modified-since", Http(Now.AddSeconds(1)))), CancellationToken.None);
        var now = await endpoint.HandleAsync(Request("GET", Inside, ("if-modified-since", Http(Now))), CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(2));
        var laterThatDateIsPast = await endpoint.HandleAsync(Request("GET", Inside, ("if-modified-since", Http(Now.AddSeconds(1)))), CancellationToken.None);

        Assert.Equal(200, future.Status);
        Assert.Equal(304, now.Status);
        Assert.Equal(304, laterThatDateIsPast.Status);
    }

    [Fact]
    public async Task HandleAsync_WithTokens_BottleNeedsOne_HealthzAndApiDoNot_TheResponseNamesTheOwner()
    {
        using var tokens = new ServeTokenFile(new FixedTokens("alice alice-0123456789abcdef\n"), _time, TimeSpan.Zero, _ => { });
        var endpoint = await EndpointAsync(tokens: tokens);
        MirrorRequest Get(string path, string? authorization = null) =>
            new("GET", path, authorization is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["authorization"] = authorization }, Inside);

        var anonymous = await endpoint.HandleAsync(Get(File), CancellationToken.None);
        var registry = await endpoint.HandleAsync(Get("/v2/homebrew/core/jq/blobs/sha256:" + new string('0', 64), "Bearer wrong-token-0123456789"), CancellationToken.None);
        var alice = await endpoint.HandleAsync(Get(File, "Bearer alice-0123456789abcdef"), CancellationToken.None);
        var health = await endpoint.HandleAsync(Get("/healthz"), CancellationToken.None);
        var api = await endpoint.HandleAsync(Get("/api/internal/packages.arm64_sonoma.jws.json"), CancellationToken.None);

        Assert.Equal(401, anonymous.Status);
        Assert.Equal(MirrorEndpoint.Challenge, anonymous.Headers["WWW-Authenticate"]);
        Assert.Contains("HOMEBREW_ARTIFACT_DOMAIN", System.Text.Encoding.UTF8.GetString(anonymous.Content!), StringComparison.Ordinal);
        Assert.Equal(401, registry.Status);
        Assert.Contains("not accepted", System.Text.Encoding.UTF8.GetString(registry.Content!), StringComparison.Ordinal);
        Assert.Equal(200, alice.Status);
        Assert.Equal("alice", alice.User);
        Assert.Contains("\"user\":\"alice\"", AccessLog.Line(Get(File, "Bearer alice-0123456789abcdef"), alice, TimeSpan.Zero, Now), StringComparison.Ordinal);
        Assert.Equal(200, health.Status);
        Assert.Equal(404, api.Status);
    }

    private sealed class FixedTokens(string text) : ITokenFileSource
    {
        public string Description => "fixed";

        public Task<TokenFileText?> ReadIfChangedAsync(string? stamp, CancellationToken cancellationToken) =>
            Task.FromResult<TokenFileText?>(stamp == "1" ? null : new TokenFileText("1", text));
    }
}
