using System.Text;

namespace HomebrewSync.Cli.Tests;

public sealed class BadInputTests
{
    private static readonly FakeFormula Curl = new FormulaBuilder("curl").WithBottles(["arm64_sonoma", "monterey"]).Build();

    private static string[] StoreFiles(CliHarness h) =>
        Directory.Exists(h.Store) ? Directory.GetFiles(h.Store, "*", SearchOption.AllDirectories).Where(f => !f.Contains(".staging", StringComparison.Ordinal)).ToArray() : [];

    private static readonly string Sha = new('a', 64);

    /// <summary>A plan saved in the store as a sync saves one, with <paramref name="lists"/> (its bottles, manifests, ...) after the common fields.</summary>
    private static async Task<string> SavedPlanAsync(CliHarness h, string lists)
    {
        const string key = "plans/2025-07-21/20250721T030000Z-abcd1234.json";
        Directory.CreateDirectory(h.PathOf("plans/2025-07-21"));
        await File.WriteAllTextAsync(h.PathOf(key), $$"""
            {"sync_date":"2025-07-21","created_at":"2025-07-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json","platforms":["monterey"],
            {{lists}}}
            """);
        return key;
    }

    [Theory]
    [InlineData("\"../curl\"", "2025-07-21/curl-8.2.1.monterey.bottle.tar.gz", "formula_name, formula_version or platform is not a formula name, version or bottle tag")]
    [InlineData("\"curl\"", "2025-07-21/../bottles_hash.json", "object_key '2025-07-21/../bottles_hash.json' is not this bottle's object")]
    public async Task SyncPlan_NamingKeysOutsideTheGrammar_IsRefusedBeforeAnythingIsWritten(string name, string objectKey, string problem)
    {
        await using var h = await CliHarness.StartAsync([Curl]);
        var key = await SavedPlanAsync(h, $$"""
             "bottles":[{"key":"curl-8.2.1-monterey","formula_name":{{name}},"formula_version":"8.2.1","platform":"monterey","sha256":"{{Sha}}",
               "url":"https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:{{Sha}}","object_key":"{{objectKey}}"}]
            """);

        var run = await h.RunAsync("sync", "--plan", key);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"is not a plan this version executes: bottles[0] (curl-8.2.1-monterey): {problem}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([h.PathOf(key)], StoreFiles(h));
        Assert.Equal(0, h.Server.TotalBlobGets);
    }

    [Theory]
    [InlineData("\"::\"", "\"8.2.1\"", "image_url '::' is not an http(s) URL")]
    [InlineData("\"file:///etc\"", "\"8.2.1\"", "image_url 'file:///etc' is not an http(s) URL")]
    [InlineData("\"https://ghcr.io/v2/homebrew/core/curl\"", "\"../8.2.1\"", "reference '../8.2.1' is not the key's (manifests/<image>/<reference>.json)")]
    public async Task SyncPlan_WithAnImageIndexThatCannotBeAskedFor_IsRefusedBeforeAnythingIsWritten(string imageUrl, string reference, string problem)
    {
        // Fetched at the run's end, after the bottles: refused up front instead of failing the finish, and every retry of it.
        await using var h = await CliHarness.StartAsync([Curl]);
        var key = await SavedPlanAsync(h, $$"""
             "bottles":[],
             "manifests":[{"key":"manifests/curl/8.2.1.json","image_url":{{imageUrl}},"reference":{{reference}},"digests":["{{Sha}}"]}]
            """);

        var run = await h.RunAsync("sync", "--plan", key);

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
        Assert.True(run.Error.Contains($"is not a plan this version executes: manifests[0] (manifests/curl/8.2.1.json): {problem}", StringComparison.Ordinal), run.Error);
        Assert.DoesNotContain("unexpected", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([h.PathOf(key)], StoreFiles(h));
    }

    [Theory]
    [InlineData("[{\"name\":\"curl\",\"versions\":")]
    [InlineData("<html>gateway timeout</html>")]
    [InlineData("[]")]
    public async Task Sync_MalformedCatalog_ExitsFatalAndWritesNothing(string body)
    {
        await using var h = await CliHarness.StartAsync([Curl]);
        h.Server.SetCatalogBody(Encoding.UTF8.GetBytes(body));

        var run = await h.RunAsync("sync");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("catalog", run.Error, StringComparison.Ordinal);
        Assert.Empty(StoreFiles(h));
        Assert.Equal(0, h.Server.TotalBlobGets);
    }

    [Fact]
    public async Task Sync_CatalogStallsMidway_ExitsFatalWithinTheTimeoutAndWritesNothing()
    {
        await using var h = await CliHarness.StartAsync(Enumerable.Range(0, 50).Select(i => new FormulaBuilder($"f{i}").WithBottle("monterey").Build()));
        h.Server.StallCatalogAfterBytes = 3000;
        var env = h.Environment();
        env["DOWNLOAD_TIMEOUT_SECONDS"] = "1";

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey");

        // The read timeout, not a hang: the run ends with the timeout's own message.
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("did not arrive within 1 s", run.Error, StringComparison.Ordinal);
        Assert.Empty(StoreFiles(h));
    }

    [Fact]
    public async Task Sync_CatalogNeverAnswers_ExitsFatalWithinTheTimeout_NamingTheCatalog()
    {
        // The server takes the request and never sends its headers.
        await using var h = await CliHarness.StartAsync([Curl]);
        h.Server.HoldCatalog = new TaskCompletionSource().Task;
        var env = h.Environment();
        env["DOWNLOAD_TIMEOUT_SECONDS"] = "1";

        var run = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("did not arrive within 1 s", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(StoreFiles(h));
    }

    [Fact]
    public async Task Sync_CorruptHashFile_ExitsFatalAndLeavesItByteForByte()
    {
        await using var h = await CliHarness.StartAsync([Curl]);
        Directory.CreateDirectory(h.Store);
        var corrupt = Encoding.UTF8.GetBytes("{\"bottles\": {\"curl-1-monterey\": {\"sha256\": ");
        await File.WriteAllBytesAsync(h.PathOf("bottles_hash.json"), corrupt);

        var run = await h.RunAsync("sync");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("corrupt", run.Error, StringComparison.Ordinal);
        Assert.Equal(corrupt, await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")));
        Assert.Equal(0, h.Server.TotalBlobGets);
    }

    [Fact]
    public async Task Sync_UnknownTag_ExitsUsageNamingTheTagAndTheKnownOnes()
    {
        await using var h = await CliHarness.StartAsync([Curl]);

        var run = await h.RunAsync("sync", "--platform", "arm64_sonoma,windows_xp");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("windows_xp", run.Error, StringComparison.Ordinal);
        Assert.Contains("monterey", run.Error, StringComparison.Ordinal);
        Assert.Empty(StoreFiles(h));
    }

    [Fact]
    public async Task Sync_UnknownFormula_ExitsUsageAndDownloadsNothing()
    {
        await using var h = await CliHarness.StartAsync([Curl]);

        var run = await h.RunAsync("sync", "--formula", "curl,firefox");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("firefox", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, h.Server.TotalBlobGets);
    }

    [Fact]
    public async Task Sync_UnwritableStore_ExitsFatalBeforeFetchingAnything()
    {
        await using var h = await CliHarness.StartAsync([Curl]);
        var blocker = Path.Combine(Path.GetTempPath(), "hbs-blocker-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(blocker, "a file, not a folder");
        try
        {
            var run = await h.RunAsync("sync", "--store", Path.Combine(blocker, "mirror"));

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("not writable", run.Error, StringComparison.Ordinal);
            Assert.Equal(0, h.Server.CatalogRequests);
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Theory]
    [InlineData("sync", "--concurrency", "0")]
    [InlineData("sync", "--timeout", "soon")]
    [InlineData("sync", "--date", "21/07/2025")]
    [InlineData("sync", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData("stats", "--force")]
    [InlineData("sync", "--platform")]
    [InlineData("sync", "--rebuild-hash")]
    [InlineData("sync", "--sse", "DES")]
    [InlineData("sync", "--kms-key-id", "alias/x")]
    [InlineData("sync", "--store", "s3://Not_A_Bucket")]
    [InlineData("plan", "--deep")]
    [InlineData("sync", "--plan", "somewhere/else.json")]
    [InlineData("sync", "--plan", "plans/x.json", "--force")]
    [InlineData("sync", "--plan", "plans//2025-07-21/p.json")]
    [InlineData("sync", "--plan", "plans/./2025-07-21/p.json")]
    [InlineData("sync", "--plan", "plans/2025-07-21\\p.json")]
    [InlineData("sync", "--plan", "s3://homebrew-bottles/plans//p.json")]
    public async Task BadUsage_ExitsUsageWithAClearError(params string[] args)
    {
        await using var h = await CliHarness.StartAsync([Curl]);

        var run = await h.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, h.Server.CatalogRequests);
    }

    [Fact]
    public async Task BadUsage_SeveralErrors_AreAllListed()
    {
        await using var h = await CliHarness.StartAsync([Curl]);

        var run = await h.RunAsync("sync", "--concurrency", "0", "--retries", "50", "--timeout", "x");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("MAX_CONCURRENT_DOWNLOADS", run.Error, StringComparison.Ordinal);
        Assert.Contains("RETRY_ATTEMPTS", run.Error, StringComparison.Ordinal);
        Assert.Contains("DOWNLOAD_TIMEOUT_SECONDS", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentVariable_IsReadAndTheOptionWins()
    {
        await using var h = await CliHarness.StartAsync([Curl]);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "windows_xp";

        var fromEnv = await CliHarness.RunAsync(env, "plan");
        var optionWins = await CliHarness.RunAsync(env, "plan", "--platform", "monterey", "--json");

        Assert.Equal(2, fromEnv.ExitCode);
        Assert.Contains("windows_xp", fromEnv.Error, StringComparison.Ordinal);
        Assert.Equal(0, optionWins.ExitCode);
        Assert.Contains("\"bottles\": 1", optionWins.Out, StringComparison.Ordinal);
    }
}
