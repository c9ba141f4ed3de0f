
namespace HomebrewSync.Cli.Tests;

/// <summary>
/// <c>homebrew-sync serve --token-file</c> as a process, over real HTTP, from a folder and from S3 (moto): brew's artifact-domain
/// sequence with the token brew sends (Bearer or Basic), without one, with a wrong one, across a rewrite of the file; the bottle
/// domain (brew sends no token there) refused with a message; /healthz and the API files open; the access log names owners, never tokens.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class ServeTokenTests(S3ServerFixture fixture) : IAsyncLifetime
{
    private const string AliceToken = "alice-3b1f9c0e7d2a4f58";
    private const string BobToken = "bob-token-0123456789abcdef0123456789";
    private const string AliceNewToken = "alice-rotated-e2c4a6b8d0f1";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-tokens-" + Guid.NewGuid().ToString("N"));
    private readonly BrewClient _anonymous = new();
    private CliHarness _h = null!;
    private FakeFormula[] _formulae = null!;

    private string TokenFile => Path.Combine(_temp, "tokens.txt");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_temp);
        _formulae =
        [
            new FormulaBuilder("openssl@3").WithVersion("3.0.1").WithBottle("arm64_sonoma", 3000).Build(),
            new FormulaBuilder("python@3.13").WithVersion("3.13.5", revision: 2).WithRebuild(1).WithBottle("arm64_sonoma", 4100).Build(),
            new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("all", 900).Build(),
        ];
        _h = await CliHarness.StartAsync(_formulae);
        await File.WriteAllTextAsync(TokenFile, $"# fleet tokens\n\nalice {AliceToken}\n  bob\t{BobToken}  \n");
    }

    public Task DisposeAsync() => ServedMirror.DisposeAsync(_h, _anonymous, _temp);

    private async Task<Dictionary<string, string?>> SyncedAsync(string kind)
    {
        var env = await ServedMirror.SyncAsync(_h, fixture, kind, "arm64_sonoma", _temp, ("SERVE_REFRESH_SECONDS", "0"));
        return env;
    }

    private IEnumerable<BrewClient.Bottle> Mirrored() => BrewClient.Bottle.Of(_formulae);

    private static (string, HttpStatusCode)[] ArtifactOk => [("index", HttpStatusCode.OK), ("blob", HttpStatusCode.OK)];

    private static (string, HttpStatusCode)[] ArtifactRefused => [("index", HttpStatusCode.Unauthorized), ("blob", HttpStatusCode.Unauthorized)];

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task ArtifactSequence_NeedsAListedToken_BearerOrBasic_AndTheLogNamesTheOwnerNeverTheToken(string kind)
    {
        var env = await SyncedAsync(kind);
        await using var serve = await ServeProcess.StartAsync(env, "--token-file", TokenFile);
        using var alice = new BrewClient { Authorization = BrewClient.Bearer(AliceToken) };
        using var bob = new BrewClient { Authorization = BrewClient.Basic("bob", BobToken) };
        using var wrong = new BrewClient { Authorization = BrewClient.Bearer(AliceToken + "x") };
        using var prefix = new BrewClient { Authorization = BrewClient.Bearer(AliceToken[..^1]) };
        using var basicWrongName = new BrewClient { Authorization = BrewClient.Basic("alice", BobToken) };

        foreach (var bottle in Mirrored())
        {
            Assert.Equal(ArtifactOk, await alice.FetchViaArtifactDomainAsync(serve.Url, bottle));
            Assert.Equal(ArtifactOk, await bob.FetchViaArtifactDomainAsync(serve.Url, bottle));
            Assert.Equal(ArtifactRefused, await _anonymous.FetchViaArtifactDomainAsync(serve.Url, bottle));
            Assert.Equal(ArtifactRefused, await wrong.FetchViaArtifactDomainAsync(serve.Url, bottle));
            Assert.Equal(ArtifactRefused, await prefix.FetchViaArtifactDomainAsync(serve.Url, bottle));
            Assert.Equal(ArtifactRefused, await basicWrongName.FetchViaArtifactDomainAsync(serve.Url, bottle));
        }
        using var challenge = await _anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/v2/homebrew/core/jq/manifests/1.7.1")));
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        Assert.Equal("Bearer realm=\"homebrew-sync\"", challenge.Headers.WwwAuthenticate.ToString());
        using var wrongChallenge = new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/v2/homebrew/core/jq/manifests/1.7.1"));
        wrongChallenge.Headers.Authorization = BrewClient.Bearer("not-a-listed-token-at-all");
        using var refused = await _anonymous.SendAsync(wrongChallenge);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer realm=\"homebrew-sync\"", refused.Headers.WwwAuthenticate.ToString());
        Assert.DoesNotContain("not-a-listed-token", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await serve.TerminateAsync();
        Assert.Contains("\"user\":\"alice\"", serve.Error, StringComparison.Ordinal);
        Assert.Contains("\"user\":\"bob\"", serve.Error, StringComparison.Ordinal);
        Assert.Contains("\"user\":null", serve.Error, StringComparison.Ordinal);
        foreach (var secret in new[] { AliceToken, BobToken, "not-a-listed-token", BrewClient.Basic("bob", BobToken).Parameter! })
        {
            Assert.DoesNotContain(secret, serve.Error, StringComparison.Ordinal);
        }
        Assert.Equal(
            [$"export HOMEBREW_ARTIFACT_DOMAIN={serve.Url.AbsoluteUri.TrimEnd('/')}", "export HOMEBREW_ARTIFACT_DOMAIN_NO_FALLBACK=1",
                "export HOMEBREW_DOCKER_REGISTRY_TOKEN=<your token from the token file>", $"export HOMEBREW_API_DOMAIN={serve.Url.AbsoluteUri.TrimEnd('/')}/api"],
            serve.Exports);
    }

    [Fact]
    public async Task BottleDomain_IsRefusedWithWhatToUseInstead_HealthAndApiFilesStayOpen()
    {
        var env = await SyncedAsync("local");
        Directory.CreateDirectory(_h.PathOf("api/internal"));
        await File.WriteAllTextAsync(_h.PathOf("api/internal/packages.arm64_sonoma.jws.json"), "{\"payload\":\"{}\"}");
        await using var serve = await ServeProcess.StartAsync(env, "--token-file", TokenFile);
        var jq = Mirrored().Single(b => b.Name == "jq");

        // brew's own bottle-domain sequence: the anonymous token on the image index, nothing on the bottle.
        Assert.All(await _anonymous.FetchViaBottleDomainAsync(serve.Url, jq), s => Assert.Equal(HttpStatusCode.Unauthorized, s.Status));
        using var bottle = await _anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/" + jq.FileName)));
        var message = await bottle.Content.ReadAsStringAsync();
        Assert.Contains("HOMEBREW_ARTIFACT_DOMAIN", message, StringComparison.Ordinal);
        Assert.Contains("HOMEBREW_DOCKER_REGISTRY_TOKEN", message, StringComparison.Ordinal);
        // A client that does send a token (curl, a script) gets the bottle from the same path.
        using var withToken = new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/" + jq.FileName));
        withToken.Headers.Authorization = BrewClient.Bearer(BobToken);
        using var sent = await _anonymous.SendAsync(withToken);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        // A path the mirror does not hold is refused the same way: no token, nothing learnt about what is stored.
        using var unknown = await _anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/wget-1.0.arm64_sonoma.bottle.tar.gz")));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        using var health = await _anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/healthz")));
        using var api = await _anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/api/internal/packages.arm64_sonoma.jws.json")));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task RotatedFile_IsPickedUpWithoutARestart_AndABadRewriteKeepsTheLastGoodList(string kind)
    {
        var env = await SyncedAsync(kind);
        await using var serve = await ServeProcess.StartAsync(env, "--token-file", TokenFile);
        var jq = Mirrored().Single(b => b.Name == "jq");
        using var old = new BrewClient { Authorization = BrewClient.Bearer(AliceToken) };
        using var rotated = new BrewClient { Authorization = BrewClient.Bearer(AliceNewToken) };
        Assert.Equal(ArtifactOk, await old.FetchViaArtifactDomainAsync(serve.Url, jq));
        Assert.Equal(ArtifactRefused, await rotated.FetchViaArtifactDomainAsync(serve.Url, jq));

        // Step 1 of a rotation: both lines; step 3: only the new one.
        await File.WriteAllTextAsync(TokenFile, $"alice {AliceToken}\nalice-new {AliceNewToken}\nbob {BobToken}\n");
        Assert.Equal(ArtifactOk, await old.FetchViaArtifactDomainAsync(serve.Url, jq));
        Assert.Equal(ArtifactOk, await rotated.FetchViaArtifactDomainAsync(serve.Url, jq));
        await File.WriteAllTextAsync(TokenFile, $"alice-new {AliceNewToken}\nbob {BobToken}\n");
        Assert.Equal(ArtifactRefused, await old.FetchViaArtifactDomainAsync(serve.Url, jq));
        Assert.Equal(ArtifactOk, await rotated.FetchViaArtifactDomainAsync(serve.Url, jq));

        // A rewrite with a broken line (and a duplicate name) is not taken: the last good list still answers.
        await File.WriteAllTextAsync(TokenFile, $"alice-new {AliceNewToken}\nbob\nalice-new {AliceToken}\n");
        Assert.Equal(ArtifactOk, await rotated.FetchViaArtifactDomainAsync(serve.Url, jq));
        Assert.Equal(ArtifactRefused, await old.FetchViaArtifactDomainAsync(serve.Url, jq));
        File.Delete(TokenFile);
        Assert.Equal(ArtifactOk, await rotated.FetchViaArtifactDomainAsync(serve.Url, jq));

        await serve.TerminateAsync();
        Assert.Contains("line 2: expected NAME TOKEN", serve.Error, StringComparison.Ordinal);
        Assert.Contains("line 3: the name is already on line 1", serve.Error, StringComparison.Ordinal);
        Assert.Contains("keeping the previous list (2 tokens)", serve.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", serve.Error, StringComparison.Ordinal);
        Assert.Contains("\"user\":\"alice-new\"", serve.Error, StringComparison.Ordinal);
        foreach (var secret in new[] { AliceToken, BobToken, AliceNewToken })
        {
            Assert.DoesNotContain(secret, serve.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TokenFileThatIsALink_IsFollowed_AsAKubernetesSecretsFileIs()
    {
        // A mounted secret's file is a link (tokens -> ..data/tokens): only the store's own files are never followed.
        var env = await SyncedAsync("local");
        Directory.CreateDirectory(Path.Combine(_temp, "..data"));
        File.Move(TokenFile, Path.Combine(_temp, "..data", "tokens.txt"));
        File.CreateSymbolicLink(TokenFile, Path.Combine("..data", "tokens.txt"));
        await using var serve = await ServeProcess.StartAsync(env, "--token-file", TokenFile);
        using var alice = new BrewClient { Authorization = BrewClient.Bearer(AliceToken) };

        Assert.Equal(ArtifactOk, await alice.FetchViaArtifactDomainAsync(serve.Url, Mirrored().First()));
    }

    [Fact]
    public async Task MalformedTokenFileAtStart_IsAUsageError_NamingTheLine_NeverTheToken()
    {
        await File.WriteAllTextAsync(TokenFile, $"alice {AliceToken}\nbob {BobToken} extra\nshort Qz7kW\nalice {BobToken}x\n");

        var run = await CliProcess.RunAsync(_h.Environment(), "serve", "--listen", "http://127.0.0.1:0", "--token-file", TokenFile);
        var empty = await CliProcess.RunAsync(_h.Environment(), "serve", "--listen", "http://127.0.0.1:0", "--token-file", "");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("line 2: expected NAME TOKEN (3 fields)", run.Error, StringComparison.Ordinal);
        Assert.Contains("line 3: the token is shorter than 16 characters", run.Error, StringComparison.Ordinal);
        Assert.Contains("line 4: the name is already on line 1", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(AliceToken, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(BobToken, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Qz7kW", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("HOMEBREW_", run.Out, StringComparison.Ordinal);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("SERVE_TOKEN_FILE (--token-file): empty", empty.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenFileThatIsAPipeOrTooLarge_IsRefusedAtStart_NotWaitedOnOrRead()
    {
        var pipe = Path.Combine(_temp, "tokens.fifo");
        await NamedPipe.CreateAsync(pipe);
        await File.WriteAllTextAsync(TokenFile, $"alice {AliceToken}\n" + new string('#', 1 << 20) + "\n");

        var fromPipe = await CliProcess.RunAsync(_h.Environment(), "serve", "--listen", "http://127.0.0.1:0", "--token-file", pipe);
        var tooLarge = await CliProcess.RunAsync(_h.Environment(), "serve", "--listen", "http://127.0.0.1:0", "--token-file", TokenFile);

        Assert.Equal(2, fromPipe.ExitCode);
        Assert.Contains($"token file '{pipe}' is not a regular file", fromPipe.Error, StringComparison.Ordinal);
        Assert.Equal(2, tooLarge.ExitCode);
        Assert.Contains("more than a token file may be (1,048,576)", tooLarge.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(AliceToken, tooLarge.Error, StringComparison.Ordinal);
    }
}
