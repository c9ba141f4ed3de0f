using HomebrewSync.Adapters.Files;
using HomebrewSync.Aws;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Cli.Tests;

/// <summary>
/// Homebrew's signed API files mirrored with the bottles (a key pair generated here stands in for Homebrew's):
/// stored byte for byte, served with the mirror's own Last-Modified and 304s, never published unsigned, and held
/// back while a bottle they name is missing. Folder and S3.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class ApiMirrorTests(S3ServerFixture fixture) : IAsyncLifetime
{
    private const string Tag = "arm64_sonoma";
    private const string PackagesPath = "internal/packages.arm64_sonoma.jws.json";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-api-" + Guid.NewGuid().ToString("N"));
    private readonly ApiSigner _signer = new();
    private readonly BrewClient _http = new();
    private CliHarness _h = null!;
    private FakeFormula[] _formulae = null!;

    public async Task InitializeAsync()
    {
        _formulae = [new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 900).Build(), new FormulaBuilder("wget").WithVersion("1.24.5").WithBottle(Tag, 1200).Build()];
        _h = await CliHarness.StartAsync(_formulae);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _signer.Dispose();
        _http.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    private async Task<(Dictionary<string, string?> Env, IStore Store)> StoreAsync(string kind)
    {
        var env = _h.Environment();
        env["TARGET_PLATFORMS"] = Tag;
        env["TEMP_DIR"] = Path.Combine(_temp, "staging");
        env["API_PUBLIC_KEY"] = _signer.WritePublicKey(_temp);
        if (kind == "local")
        {
            return (env, new LocalFolderStore(_h.Store, TimeProvider.System));
        }
        var bucket = await fixture.Server.CreateBucketAsync();
        fixture.Server.UseAsStore(env, $"s3://{bucket}");
        return (env, new S3Store(fixture.Server.CreateClient(), new S3StoreOptions(bucket, "", _temp)));
    }

    /// <summary>A first sync with its API file (v1) published, and wget 1.25.0, the version upstream moves on to.</summary>
    private async Task<(Dictionary<string, string?> Env, IStore Store, byte[] V1, FakeFormula Newer)> MirroredThenWgetMovesOnAsync(string kind)
    {
        var (env, store) = await StoreAsync(kind);
        var v1 = _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag));
        _h.Server.SetApiFile(PackagesPath, v1);
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync")).ExitCode);
        return (env, store, v1, new FormulaBuilder("wget").WithVersion("1.25.0").WithBottle(Tag, 1300).Build());
    }

    private async Task<HttpResponseMessage> GetAsync(Uri root, string path, DateTimeOffset? ifModifiedSince = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, root.AbsoluteUri.TrimEnd('/') + "/api/" + path);
        request.Headers.IfModifiedSince = ifModifiedSince;
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task FileCatalog_AnApiFileThatIsAPipeOrTooLarge_FailsThatFile_NeitherWaitedOnNorRead()
    {
        var (env, _) = await StoreAsync("local");
        // An offline copy: formula.json and the API files in a folder, read over file://.
        var copy = Path.Combine(_temp, "offline-api");
        Directory.CreateDirectory(Path.Combine(copy, "internal"));
        using (var http = new HttpClient())
        {
            await File.WriteAllBytesAsync(Path.Combine(copy, "formula.json"), await http.GetByteArrayAsync(new Uri(env["HOMEBREW_API_URL"]!)));
        }
        env["HOMEBREW_API_URL"] = new Uri(Path.Combine(copy, "formula.json")).AbsoluteUri;
        var packages = Path.Combine(copy, PackagesPath);
        await NamedPipe.CreateAsync(packages);

        var fromPipe = await CliHarness.RunAsync(env, "sync");

        Assert.True(fromPipe.ExitCode == 3, fromPipe.Error);
        Assert.Contains($"API file {packages} is not a regular file", fromPipe.Error, StringComparison.Ordinal);

        File.Delete(packages);
        var signed = _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag));
        await File.WriteAllBytesAsync(packages, [.. signed, .. new byte[1 << 20]]);
        env["MAX_API_FILE_MB"] = "1";

        var tooLarge = await CliHarness.RunAsync(env, "sync");

        Assert.True(tooLarge.ExitCode == 3, tooLarge.Error);
        Assert.Contains("is larger than the limit of 1,048,576 bytes", tooLarge.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_h.Store, "api", PackagesPath)));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task SignedFile_IsStoredByteForByte_AndServedWithTheMirrorsTime_And304(string kind)
    {
        var (env, store) = await StoreAsync(kind);
        var signed = _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag));
        _h.Server.SetApiFile(PackagesPath, signed, lastModified: new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var sync = await CliHarness.RunAsync(env, "sync", "--json");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Equal(signed, (await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None))!.Content);
        using (var doc = JsonDocument.Parse(sync.Out))
        {
            Assert.Equal("published", doc.RootElement.GetProperty("api_files")[0].GetProperty("status").GetString());
        }
        await using var serve = await ServeProcess.StartAsync(env);
        using var get = await GetAsync(serve.Url, PackagesPath);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(signed, await get.Content.ReadAsByteArrayAsync());
        // The mirror's own time, not upstream's 2001: a client's cached copy is older than what the mirror now serves.
        var modified = get.Content.Headers.LastModified!.Value;
        Assert.True(modified > new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), modified.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        using var again = await GetAsync(serve.Url, PackagesPath, modified);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        using var otherTag = await GetAsync(serve.Url, "internal/packages.arm64_tahoe.jws.json");
        Assert.Equal(HttpStatusCode.NotFound, otherTag.StatusCode);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task BrokenSignature_IsNeitherStoredNorServed_AndTheRunSaysSo(string kind)
    {
        var (env, store) = await StoreAsync(kind);
        _h.Server.SetApiFile(PackagesPath, _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag), tamper: true));

        var sync = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(3, sync.ExitCode);
        Assert.Contains($"API file {PackagesPath}: rejected (signature check failed: the signature does not match the payload", sync.Out, StringComparison.Ordinal);
        Assert.Null(await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None));
        await using var serve = await ServeProcess.StartAsync(env);
        using var get = await GetAsync(serve.Url, PackagesPath);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task ALinkWhereAnApiFileGoes_IsLeftAndWarnedOf_TheRunCompletes()
    {
        // Never written through nor removed; that file is refused (exit 3), not the run ended after its bottles were recorded.
        var (env, _) = await StoreAsync("local");
        _h.Server.SetApiFile(PackagesPath, _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag)));
        var outside = Path.Combine(_temp, "outside.json");
        Directory.CreateDirectory(_temp);
        await File.WriteAllTextAsync(outside, "not the store's");
        var link = _h.PathOf("api/" + PackagesPath);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, outside);

        var sync = await CliHarness.RunAsync(env, "sync");

        Assert.True(sync.ExitCode == 3, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains($"API file {PackagesPath}: refused (", sync.Out + sync.Error, StringComparison.Ordinal);
        Assert.Equal("not the store's", await File.ReadAllTextAsync(outside));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Contains("wget-1.24.5-arm64_sonoma", await File.ReadAllTextAsync(_h.PathOf("bottles_hash.json")), StringComparison.Ordinal);
        Assert.Contains("\"completed with warnings\"", await File.ReadAllTextAsync(_h.PathOf("status/last-run.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignatureOfAHostileShape_IsRejectedForThatFile_AndTheSyncGoesOn()
    {
        var (env, store) = await StoreAsync("local");
        // A kid that is a number where brew's is a string: once an exception that ended the whole run.
        var document = System.Text.Json.Nodes.JsonNode.Parse(_signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag)))!;
        document["signatures"]![0]!["header"]!["kid"] = 1;
        _h.Server.SetApiFile(PackagesPath, System.Text.Encoding.UTF8.GetBytes(document.ToJsonString()));

        var sync = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(3, sync.ExitCode);
        Assert.Contains($"API file {PackagesPath}: rejected (signature check failed: no signature by homebrew-1", sync.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", sync.Error, StringComparison.Ordinal);
        Assert.Null(await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None));
        Assert.NotNull(await store.ReadHashFileAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task UnchangedUpstreamFile_IsNotRewritten_SoItsTimeStays(string kind)
    {
        var (env, store) = await StoreAsync(kind);
        if (kind == "s3")
        {
            // With versioning on, every write of the key would leave a version behind.
            using var client = fixture.Server.CreateClient();
            await client.PutBucketVersioningAsync(new Amazon.S3.Model.PutBucketVersioningRequest
            {
                BucketName = env["HOMEBREW_SYNC_STORE"]!["s3://".Length..],
                VersioningConfig = new Amazon.S3.Model.S3BucketVersioningConfig { Status = Amazon.S3.VersionStatus.Enabled },
            });
        }
        _h.Server.SetApiFile(PackagesPath, _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag)));
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync")).ExitCode);
        var local = Path.Combine(_h.Store, "api", "internal", "packages.arm64_sonoma.jws.json");
        if (kind == "local")
        {
            File.SetLastWriteTimeUtc(local, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        }

        var second = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(0, second.ExitCode);
        Assert.Contains($"API file {PackagesPath}: unchanged", second.Out, StringComparison.Ordinal);
        if (kind == "local")
        {
            Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(local));
        }
        else
        {
            using var client = fixture.Server.CreateClient();
            var versions = await client.ListVersionsAsync(new Amazon.S3.Model.ListVersionsRequest { BucketName = env["HOMEBREW_SYNC_STORE"]!["s3://".Length..], Prefix = "api/" + PackagesPath });
            Assert.Single(versions.Versions);
        }
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task FailedBottle_KeepsItsTagsPreviousApiFile_NamingTheBottle(string kind)
    {
        var (env, store, v1, newer) = await MirroredThenWgetMovesOnAsync(kind);
        // A new version whose bottle the registry fails to deliver, and the API file that names it.
        FakeFormula[] catalog = [_formulae[0], newer];
        _h.Server.SetFormulae(catalog);
        _h.Server.InjectFault(newer.Bottles[Tag].Sha256, FaultKind.NotFound, times: 10);
        _h.Server.SetApiFile(PackagesPath, _signer.Sign(ApiSigner.PackagesPayload(catalog, Tag)));

        var sync = await CliHarness.RunAsync(env, "sync");
        var between = (await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None))!.Content;
        await using (var serve = await ServeProcess.StartAsync(env))
        {
            using var served = await GetAsync(serve.Url, PackagesPath);
            Assert.Equal(v1, await served.Content.ReadAsByteArrayAsync());
        }
        var forced = await CliHarness.RunAsync(env, "sync", "--api-publish-with-failures");

        Assert.Equal(3, sync.ExitCode);
        Assert.Contains($"API file {PackagesPath}: heldback (held back, the previous copy stays: 1 of its bottles are not in the mirror (wget-1.25.0-arm64_sonoma)", sync.Out, StringComparison.Ordinal);
        Assert.Equal(v1, between);
        Assert.Equal(3, forced.ExitCode);
        Assert.Contains($"API file {PackagesPath}: published", forced.Out, StringComparison.Ordinal);
        Assert.NotEqual(v1, (await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None))!.Content);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task ApiFileNamingAVersionPublishedAfterTheCatalogRead_IsHeldBack_UntilTheMirrorHasIt(string kind)
    {
        var (env, store, v1, newer) = await MirroredThenWgetMovesOnAsync(kind);
        // Upstream moved on between this sync's catalog read and its API fetch: the API already names wget 1.25.0.
        FakeFormula[] upstream = [_formulae[0], newer];
        var v2 = _signer.Sign(ApiSigner.PackagesPayload(upstream, Tag));
        _h.Server.SetApiFile(PackagesPath, v2);

        var behind = await CliHarness.RunAsync(env, "sync");
        var heldCopy = (await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None))!.Content;
        _h.Server.SetFormulae(upstream);
        var caughtUp = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(3, behind.ExitCode);
        Assert.Contains($"API file {PackagesPath}: heldback (held back, the previous copy stays: it names 1 bottles the mirror does not hold (wget {newer.Bottles[Tag].Sha256[..12]})",
            behind.Out, StringComparison.Ordinal);
        Assert.Equal(v1, heldCopy);
        Assert.Equal(0, caughtUp.ExitCode);
        Assert.Contains($"API file {PackagesPath}: published", caughtUp.Out, StringComparison.Ordinal);
        Assert.Equal(v2, (await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None))!.Content);
    }

    [Fact]
    public async Task ImageIndexTheRegistryWillNotGive_IsAWarning_AndHoldsTheApiFileBack_UntilANextSyncKeepsIt()
    {
        var (env, store) = await StoreAsync("local");
        var signed = _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag));
        _h.Server.SetApiFile(PackagesPath, signed);
        _h.Server.ServeIndexes = false;

        var without = await CliHarness.RunAsync(env, "sync", "--json");
        _h.Server.ServeIndexes = true;
        var again = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(3, without.ExitCode);
        using (var doc = JsonDocument.Parse(without.Out))
        {
            Assert.Equal(["manifests/jq/1.7.1.json", "manifests/wget/1.24.5.json"],
                doc.RootElement.GetProperty("indexes_not_kept").EnumerateArray().Select(i => i.GetString()![..i.GetString()!.IndexOf(':', StringComparison.Ordinal)]));
            Assert.Equal("heldback", doc.RootElement.GetProperty("api_files")[0].GetProperty("status").GetString());
        }
        Assert.Equal(0, again.ExitCode);
        Assert.Contains($"API file {PackagesPath}: published", again.Out, StringComparison.Ordinal);
        Assert.NotNull(await store.GetDocumentAsync("manifests/wget/1.24.5.json", CancellationToken.None));
        Assert.Equal(signed, (await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None))!.Content);
    }

    [Fact]
    public async Task LegacyFiles_AreMirroredWithTheOption_AndServed()
    {
        var (env, store) = await StoreAsync("local");
        _h.Server.SetApiFile(PackagesPath, _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag)));
        var formulaFile = _signer.Sign("[{\"name\":\"jq\"},{\"name\":\"wget\"}]");
        var caskFile = _signer.Sign("[]");
        _h.Server.SetApiFile("formula.jws.json", formulaFile);
        _h.Server.SetApiFile("cask.jws.json", caskFile);

        var without = await CliHarness.RunAsync(env, "sync");
        var withLegacy = await CliHarness.RunAsync(env, "sync", "--api-legacy");

        Assert.Equal(0, without.ExitCode);
        Assert.DoesNotContain("formula.jws.json", without.Out, StringComparison.Ordinal);
        Assert.True(withLegacy.ExitCode == 0, withLegacy.Out + withLegacy.Error);
        Assert.Equal(formulaFile, (await store.GetDocumentAsync("api/formula.jws.json", CancellationToken.None))!.Content);
        await using var serve = await ServeProcess.StartAsync(env);
        using var formula = await GetAsync(serve.Url, "formula.jws.json");
        using var cask = await GetAsync(serve.Url, "cask.jws.json");
        using var dotted = await GetAsync(serve.Url, "internal/..%2F..%2Fbottles_hash.json");
        Assert.Equal(formulaFile, await formula.Content.ReadAsByteArrayAsync());
        Assert.Equal(caskFile, await cask.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, dotted.StatusCode);
    }

    [Fact]
    public async Task NoApi_WithAKeyAndAnUpstreamFile_FetchesAndStoresNothing()
    {
        var (env, store) = await StoreAsync("local");
        _h.Server.SetApiFile(PackagesPath, _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag)));

        var sync = await CliHarness.RunAsync(env, "sync", "--no-api");

        Assert.Equal(0, sync.ExitCode);
        Assert.Equal(0, _h.Server.ApiRequests);
        Assert.Null(await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None));
        Assert.Equal(2, _h.Server.TotalBlobGets);
    }

    [Fact]
    public async Task NoKeyAtAll_SyncsTheBottles_AndSaysWhyTheApiIsNotMirrored()
    {
        var (env, store) = await StoreAsync("local");
        env.Remove("API_PUBLIC_KEY");
        env["HOMEBREW_REPOSITORY"] = Path.Combine(_temp, "no-brew-here");
        _h.Server.SetApiFile(PackagesPath, _signer.Sign(ApiSigner.PackagesPayload(_formulae, Tag)));

        var sync = await CliHarness.RunAsync(env, "sync");
        var off = await CliHarness.RunAsync(env, "sync", "--no-api");

        Assert.Equal(0, sync.ExitCode);
        Assert.Contains("no Homebrew API signing key", sync.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no Homebrew API signing key", off.Error, StringComparison.Ordinal);
        Assert.Null(await store.GetDocumentAsync("api/" + PackagesPath, CancellationToken.None));
        Assert.Equal(0, _h.Server.ApiRequests);
    }
}
