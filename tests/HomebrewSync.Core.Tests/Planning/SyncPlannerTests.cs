using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Manifest;
using HomebrewSync.Core.Planning;
using Microsoft.Extensions.Time.Testing;

namespace HomebrewSync.Core.Tests.Planning;

public sealed class SyncPlannerTests
{
    private static readonly DateOnly Date = new(2025, 7, 21);
    private static readonly string[] Tags = ["arm64_sonoma", "arm64_ventura", "monterey"];

    private static Formula F(string name, string version = "1.0", int rebuild = 0, bool disabled = false, params (string Tag, char Sha)[] files) =>
        new(name, version, rebuild, disabled,
            files.ToDictionary(f => f.Tag, f => new BottleFile(f.Tag, new Uri($"https://ghcr.io/v2/homebrew/core/{name}/blobs/sha256:{new string(f.Sha, 64)}"), new string(f.Sha, 64), null), StringComparer.Ordinal));

    private static async IAsyncEnumerable<Formula> Catalog(params Formula[] formulae)
    {
        foreach (var f in formulae)
        {
            yield return f;
        }
        await Task.CompletedTask;
    }

    private static Task<PlanOutcome> Plan(Formula[] catalog, HashManifest? manifest = null, IReadOnlyList<string>? tags = null, string[]? only = null, bool force = false, bool includeDisabled = false) =>
        SyncPlanner.PlanAsync(Catalog(catalog), manifest, new PlanRequest(tags ?? Tags, only, force, includeDisabled, Date, new Uri("https://formulae.brew.sh/api/formula.json"), new RunLabels("Manual")), new FakeTimeProvider(), CancellationToken.None);

    private static HashEntry Entry(string sha) => new(sha, new DateOnly(2025, 7, 14), 10, "x", "1", "monterey", "u", "k");

    [Fact]
    public async Task PlanAsync_EmptyHashFile_PlansEveryResolvableTag()
    {
        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("arm64_sonoma", 'a'), ("arm64_ventura", 'b'), ("monterey", 'c'))]);

        Assert.Equal(3, outcome.Plan.Bottles.Count);
        var b = outcome.Plan.Bottles.Single(x => x.Platform == "arm64_sonoma");
        Assert.Equal("curl-8.2.1-arm64_sonoma", b.Key);
        Assert.Equal("2025-07-21/curl-8.2.1.arm64_sonoma.bottle.tar.gz", b.ObjectKey);
        Assert.Equal(new string('a', 64), b.Sha256);
    }

    [Fact]
    public async Task PlanAsync_SameKeySameSha_IsSkipped_NewSha_IsPlanned()
    {
        var manifest = new HashManifest();
        manifest.Set("curl-8.2.1-arm64_sonoma", Entry(new string('a', 64)));
        manifest.Set("curl-8.2.1-monterey", Entry(new string('0', 64)));

        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("arm64_sonoma", 'a'), ("monterey", 'c'))], manifest, ["arm64_sonoma", "monterey"]);

        Assert.Equal(1, outcome.Plan.Skipped);
        Assert.Equal(["curl-8.2.1-monterey"], outcome.Plan.Bottles.Select(b => b.Key));
    }

    [Fact]
    public async Task PlanAsync_Force_PlansEvenWhatTheHashFileHas()
    {
        var manifest = new HashManifest();
        manifest.Set("curl-8.2.1-monterey", Entry(new string('c', 64)));

        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("monterey", 'c'))], manifest, ["monterey"], force: true);

        Assert.Single(outcome.Plan.Bottles);
        Assert.Equal(0, outcome.Plan.Skipped);
    }

    [Fact]
    public async Task PlanAsync_RebuildAndAllBottle_NameFileAndSourceTag()
    {
        var outcome = await Plan([F("ca-certificates", "2025-05-20", 1, false, ("all", 'd'))], tags: ["arm64_sonoma"]);

        var b = Assert.Single(outcome.Plan.Bottles);
        Assert.Equal("all", b.SourceTag);
        Assert.Equal("2025-07-21/ca-certificates-2025-05-20.arm64_sonoma.bottle.1.tar.gz", b.ObjectKey);
    }

    [Fact]
    public async Task PlanAsync_DisabledFormula_IsLeftOutUnlessAsked()
    {
        var catalog = new[] { F("old", "1", 0, true, ("monterey", 'e')) };

        Assert.Empty((await Plan(catalog, tags: ["monterey"])).Plan.Bottles);
        Assert.Equal(1, (await Plan(catalog, tags: ["monterey"])).DisabledSkipped);
        Assert.Single((await Plan(catalog, tags: ["monterey"], includeDisabled: true)).Plan.Bottles);
    }

    [Fact]
    public async Task PlanAsync_UnknownTag_ThrowsNamingIt()
    {
        var ex = await Assert.ThrowsAsync<PlanInputException>(() => Plan([F("curl", "1", 0, false, ("monterey", 'a'))], tags: ["monterey", "arm64_windows"]));

        Assert.Contains("arm64_windows", ex.Message, StringComparison.Ordinal);
        Assert.Contains("monterey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_Selective_PlansOnlyNamedAndRejectsUnknownNames()
    {
        var catalog = new[] { F("curl", "1", 0, false, ("monterey", 'a')), F("wget", "1", 0, false, ("monterey", 'b')) };

        var outcome = await Plan(catalog, tags: ["monterey"], only: ["wget"]);
        var ex = await Assert.ThrowsAsync<PlanInputException>(() => Plan(catalog, tags: ["monterey"], only: ["wget", "visual-studio-code"]));

        Assert.Equal(["wget-1-monterey"], outcome.Plan.Bottles.Select(b => b.Key));
        Assert.Contains("visual-studio-code", ex.Message, StringComparison.Ordinal);
    }
}
