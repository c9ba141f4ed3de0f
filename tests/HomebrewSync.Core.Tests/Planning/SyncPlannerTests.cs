using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.Tests.Planning;

public sealed class SyncPlannerTests
{
    private static readonly DateOnly Date = new(2025, 7, 21);
    private static readonly string[] Tags = ["arm64_sonoma", "arm64_ventura", "monterey"];

    private static Formula F(string name, string version = "1.0", int rebuild = 0, bool disabled = false, params (string Tag, char Sha)[] files) =>
        new(name, version, rebuild, disabled,
            files.ToDictionary(f => f.Tag, f => new BottleFile(f.Tag, new Uri($"https://ghcr.io/v2/homebrew/core/{BottleNaming.ImageName(name)}/blobs/sha256:{new string(f.Sha, 64)}"), new string(f.Sha, 64), null), StringComparer.Ordinal));

    private static async IAsyncEnumerable<Formula> Catalog(params Formula[] formulae)
    {
        foreach (var f in formulae)
        {
            yield return f;
        }
        await Task.CompletedTask;
    }

    private static Task<PlanOutcome> Plan(Formula[] catalog, HashFile? hashFile = null, IReadOnlyList<string>? tags = null, string[]? only = null, bool force = false, bool includeDisabled = false) =>
        SyncPlanner.PlanAsync(Catalog(catalog), hashFile, new PlanRequest(tags ?? Tags, only, force, includeDisabled, Date, new Uri("https://formulae.brew.sh/api/formula.json"), new RunLabels("Manual")), new FakeTimeProvider(), CancellationToken.None);

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
        var hashFile = new HashFile();
        hashFile.Set("curl-8.2.1-arm64_sonoma", Entry(new string('a', 64)));
        hashFile.Set("curl-8.2.1-monterey", Entry(new string('0', 64)));

        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("arm64_sonoma", 'a'), ("monterey", 'c'))], hashFile, ["arm64_sonoma", "monterey"]);

        Assert.Equal(1, outcome.Plan.Skipped);
        Assert.Equal(["curl-8.2.1-monterey"], outcome.Plan.Bottles.Select(b => b.Key));
    }

    [Fact]
    public async Task PlanAsync_Force_PlansEvenWhatTheHashFileHas()
    {
        var hashFile = new HashFile();
        hashFile.Set("curl-8.2.1-monterey", Entry(new string('c', 64)));

        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("monterey", 'c'))], hashFile, ["monterey"], force: true);

        Assert.Single(outcome.Plan.Bottles);
        Assert.Equal(0, outcome.Plan.Skipped);
    }

    [Fact]
    public async Task PlanAsync_AllBottle_IsStoredOnceUnderItsOwnName_ServingEveryTarget()
    {
        var outcome = await Plan([F("ca-certificates", "2025-05-20", 1, false, ("all", 'd'))], tags: ["arm64_tahoe", "arm64_sonoma", "x86_64_linux"]);

        var b = Assert.Single(outcome.Plan.Bottles);
        Assert.Equal(("ca-certificates-2025-05-20-all", "all"), (b.Key, b.Platform));
        Assert.Equal(["arm64_tahoe", "arm64_sonoma", "x86_64_linux"], b.Serves);
        Assert.Equal("2025-07-21/ca-certificates-2025-05-20.all.bottle.1.tar.gz", b.ObjectKey);
    }

    [Fact]
    public async Task PlanAsync_OlderMacOsFallback_IsNamedAfterTheBottlesOwnTag()
    {
        var outcome = await Plan([F("oldie", "0.9", 0, false, ("arm64_monterey", 'a'), ("monterey", 'b'))], tags: ["arm64_tahoe", "arm64_sonoma", "sonoma"]);

        Assert.Equal(["oldie-0.9-arm64_monterey", "oldie-0.9-monterey"], outcome.Plan.Bottles.Select(b => b.Key));
        Assert.Equal("2025-07-21/oldie-0.9.arm64_monterey.bottle.tar.gz", outcome.Plan.Bottles[0].ObjectKey);
        Assert.Equal(["arm64_tahoe", "arm64_sonoma"], outcome.Plan.Bottles[0].Serves);
        Assert.Equal(["sonoma"], outcome.Plan.Bottles[1].Serves);
        var coverage = outcome.ByTarget();
        Assert.Equal("1 bottles, 1 via arm64_monterey", coverage[0].Describe(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task PlanAsync_StoreWithTargetTagNames_IsRenamedInPlace_NothingDownloadedAgain()
    {
        // An earlier version stored the arm64_monterey bytes as "...arm64_sonoma..." and "...arm64_sequoia..." (the targets).
        var hashFile = new HashFile();
        var sha = new string('a', 64);
        hashFile.Set("oldie-0.9-arm64_sonoma", new HashEntry(sha, new DateOnly(2025, 7, 14), 10, "oldie", "0.9", "arm64_sonoma", "u", "2025-07-14/oldie-0.9.arm64_sonoma.bottle.tar.gz"));
        hashFile.Set("oldie-0.9-arm64_sequoia", new HashEntry(sha, new DateOnly(2025, 7, 14), 10, "oldie", "0.9", "arm64_sequoia", "u", "2025-07-14/oldie-0.9.arm64_sequoia.bottle.tar.gz"));

        var outcome = await Plan([F("oldie", "0.9", 0, false, ("arm64_monterey", 'a'))], hashFile, ["arm64_sequoia", "arm64_sonoma"]);

        var b = Assert.Single(outcome.Plan.Bottles);
        Assert.Equal("oldie-0.9-arm64_monterey", b.Key);
        Assert.Equal("2025-07-14/oldie-0.9.arm64_monterey.bottle.tar.gz", b.ObjectKey);
        Assert.Equal("2025-07-14", b.Date);
        Assert.Equal("2025-07-14/oldie-0.9.arm64_sequoia.bottle.tar.gz", b.CopyFrom);
        Assert.Equal(["oldie-0.9-arm64_sequoia", "oldie-0.9-arm64_sonoma"], b.Replaces);
        Assert.Empty(outcome.Plan.Retire);
    }

    [Fact]
    public async Task PlanAsync_ACopyFromAnEarlierLayoutIntoAListedObjectOfOtherBytes_GoesIntoTheRunsOwnFolder()
    {
        // The earlier layout's bytes are dated 2025-07-14, where the bottle's own key already lists other bytes.
        var hashFile = new HashFile();
        var sha = new string('a', 64);
        hashFile.Set("oldie-0.9-arm64_sonoma", new HashEntry(sha, new DateOnly(2025, 7, 14), 10, "oldie", "0.9", "arm64_sonoma", "u", "2025-07-14/oldie-0.9.arm64_sonoma.bottle.tar.gz"));
        hashFile.Set("oldie-0.9-arm64_monterey", new HashEntry(new string('b', 64), new DateOnly(2025, 7, 14), 10, "oldie", "0.9", "arm64_monterey", "u", "2025-07-14/oldie-0.9.arm64_monterey.bottle.tar.gz"));

        var outcome = await Plan([F("oldie", "0.9", 0, false, ("arm64_monterey", 'a'))], hashFile, ["arm64_sonoma"]);

        var b = Assert.Single(outcome.Plan.Bottles);
        Assert.Equal("2025-07-21/oldie-0.9.arm64_monterey.bottle.tar.gz", b.ObjectKey);
        Assert.Null(b.Date);
        Assert.Equal("2025-07-14/oldie-0.9.arm64_sonoma.bottle.tar.gz", b.CopyFrom);
        Assert.DoesNotContain(outcome.Warnings, w => w.Contains("sha256 changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanAsync_AShaChangedInTheRunsOwnFolder_IsAWarning_AndNotPlanned()
    {
        var hashFile = new HashFile();
        hashFile.Set("jq-1.7-monterey", new HashEntry(new string('b', 64), new DateOnly(2025, 7, 21), 10, "jq", "1.7", "monterey", "u", "2025-07-21/jq-1.7.monterey.bottle.tar.gz"));

        var outcome = await Plan([F("jq", "1.7", 0, false, ("monterey", 'a'))], hashFile, ["monterey"]);

        Assert.Empty(outcome.Plan.Bottles);
        Assert.Contains(outcome.Warnings, w => w.StartsWith("jq 1.7 (monterey): its sha256 changed, but the bottle the hash file lists is 2025-07-21/jq-1.7.monterey.bottle.tar.gz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanAsync_TwoTagsSharingOneBlob_AreNeitherTheOthersEarlierName_SoNothingIsRetired()
    {
        // Both bottles of this version are stored under their own names and have the same bytes.
        var hashFile = new HashFile();
        var sha = new string('a', 64);
        hashFile.Set("twin-1.0-arm64_sonoma", new HashEntry(sha, new DateOnly(2025, 7, 21), 10, "twin", "1.0", "arm64_sonoma", "u", "2025-07-21/twin-1.0.arm64_sonoma.bottle.tar.gz"));
        hashFile.Set("twin-1.0-arm64_sequoia", new HashEntry(sha, new DateOnly(2025, 7, 21), 10, "twin", "1.0", "arm64_sequoia", "u", "2025-07-21/twin-1.0.arm64_sequoia.bottle.tar.gz"));

        var outcome = await Plan([F("twin", "1.0", 0, false, ("arm64_sonoma", 'a'), ("arm64_sequoia", 'a'))], hashFile, ["arm64_sequoia", "arm64_sonoma"]);

        Assert.Empty(outcome.Plan.Bottles);
        Assert.Equal(2, outcome.Plan.Skipped);
        Assert.Empty(outcome.Plan.Retire);
    }

    [Fact]
    public async Task PlanAsync_RealNameAlreadyStored_RetiresTheEarlierNamesOfTheSameBytes()
    {
        var hashFile = new HashFile();
        var sha = new string('a', 64);
        hashFile.Set("oldie-0.9-arm64_monterey", new HashEntry(sha, new DateOnly(2025, 7, 21), 10, "oldie", "0.9", "arm64_monterey", "u", "2025-07-21/oldie-0.9.arm64_monterey.bottle.tar.gz"));
        hashFile.Set("oldie-0.9-arm64_sonoma", new HashEntry(sha, new DateOnly(2025, 7, 14), 10, "oldie", "0.9", "arm64_sonoma", "u", "2025-07-14/oldie-0.9.arm64_sonoma.bottle.tar.gz"));

        var outcome = await Plan([F("oldie", "0.9", 0, false, ("arm64_monterey", 'a'))], hashFile, ["arm64_sonoma"]);

        Assert.Empty(outcome.Plan.Bottles);
        Assert.Equal(1, outcome.Plan.Skipped);
        Assert.Equal(["oldie-0.9-arm64_sonoma"], outcome.Plan.Retire);
    }

    [Fact]
    public async Task PlanAsync_TargetHomebrewNoLongerBuilds_IsNamedInAWarning()
    {
        var outcome = await Plan([F("curl", "8", 0, false, ("arm64_sonoma", 'a'), ("arm64_tahoe", 'b'))], tags: ["arm64_tahoe", "arm64_ventura"]);

        Assert.Contains(outcome.Warnings, w => w.StartsWith("Homebrew builds no arm64_ventura bottles any more", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome.Warnings, w => w.Contains("no arm64_tahoe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanAsync_TargetMostFormulaeReachOnlyByFallback_IsNamedInAWarning()
    {
        // As in the real catalog after Homebrew stopped building a tag: a few formulae not rebuilt since still carry it.
        var catalog = new[]
        {
            F("oldie", "1", 0, false, ("arm64_ventura", 'a'), ("arm64_monterey", 'b')),
            F("curl", "8", 0, false, ("arm64_sonoma", 'c'), ("arm64_tahoe", 'd')),
            F("wget", "1.25", 0, false, ("arm64_sonoma", 'e'), ("arm64_tahoe", 'f')),
            F("certs", "2025", 0, false, ("all", '0')),
        };

        var outcome = await Plan(catalog, tags: ["arm64_tahoe", "arm64_ventura"]);
        var fewer = await Plan(catalog.Take(2).ToArray(), tags: ["arm64_ventura"]);

        Assert.Contains("Homebrew no longer builds most arm64_ventura bottles: 1 of 3 formulae with a macOS bottle have one of their own", outcome.Warnings[0], StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Warnings, w => w.Contains("arm64_tahoe bottles", StringComparison.Ordinal));
        Assert.DoesNotContain(fewer.Warnings, w => w.Contains("no longer builds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanAsync_ImageIndexes_ArePlannedForNewVersionsAndForMirroredVersionsThatLackOne()
    {
        var hashFile = new HashFile();
        hashFile.Set("wget-1.0-arm64_sonoma", new HashEntry(new string('b', 64), new DateOnly(2025, 7, 14), 10, "wget", "1.0", "arm64_sonoma", "u", "2025-07-14/wget-1.0.arm64_sonoma.bottle.tar.gz"));
        hashFile.Set("jq-1.7-arm64_sonoma", new HashEntry(new string('c', 64), new DateOnly(2025, 7, 14), 10, "jq", "1.7", "arm64_sonoma", "u", "2025-07-14/jq-1.7.arm64_sonoma.bottle.tar.gz"));
        var catalog = new[]
        {
            F("python@3.13", "3.13.5", 2, false, ("arm64_sonoma", 'a')),
            F("wget", "1.0", 0, false, ("arm64_sonoma", 'b')),
            F("jq", "1.7", 0, false, ("arm64_sonoma", 'c')),
        };
        IReadOnlySet<string> stored = new HashSet<string> { "manifests/jq/1.7.json" };
        var request = new PlanRequest(["arm64_sonoma"], null, false, false, Date, new Uri("https://formulae.brew.sh/api/formula.json"), new RunLabels("Manual"));

        var outcome = await SyncPlanner.PlanAsync(Catalog(catalog), Task.FromResult<HashFile?>(hashFile), Task.FromResult<IReadOnlySet<string>?>(stored), request, new FakeTimeProvider(), CancellationToken.None);

        Assert.Equal(["manifests/python/3.13/3.13.5-2.json", "manifests/wget/1.0.json"], outcome.Plan.ImageIndexes.Select(m => m.Key));
        var python = outcome.Plan.ImageIndexes[0];
        Assert.Equal(("https://ghcr.io/v2/homebrew/core/python/3.13", "3.13.5-2"), (python.ImageUrl, python.Reference));
        Assert.Equal([new string('a', 64)], python.Digests);
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

    [Fact]
    public async Task PlanAsync_SameNameVersionAndTagTwice_PlansTheFirstEntryOnly_AndWarnsNamingIt()
    {
        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("monterey", 'a')), F("jq", "1.7", 0, false, ("monterey", 'j')), F("curl", "8.2.1", 0, false, ("monterey", 'b'))], tags: ["monterey"]);

        Assert.Equal(["curl-8.2.1-monterey", "jq-1.7-monterey"], outcome.Plan.Bottles.Select(b => b.Key).Order(StringComparer.Ordinal));
        Assert.Equal(new string('a', 64), outcome.Plan.Bottles.Single(b => b.FormulaName == "curl").Sha256);
        Assert.Single(outcome.Plan.ImageIndexes, m => m.Key == "manifests/curl/8.2.1.json");
        Assert.Equal(["curl 8.2.1: the catalog lists curl again; its first entry (curl 8.2.1) is mirrored, this one ignored"], outcome.Warnings);
    }

    [Fact]
    public async Task PlanAsync_SameNameAnotherVersion_PlansTheFirstEntryOnly()
    {
        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("monterey", 'a')), F("curl", "8.3.0", 0, false, ("monterey", 'b'))], tags: ["monterey"]);

        var bottle = Assert.Single(outcome.Plan.Bottles);
        Assert.Equal("curl-8.2.1-monterey", bottle.Key);
        Assert.Contains("curl 8.3.0: the catalog lists curl again", Assert.Single(outcome.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_DuplicateOfABottleTheHashFileHas_IsNotPlanned()
    {
        var hashFile = new HashFile();
        hashFile.Set("curl-8.2.1-monterey", Entry(new string('a', 64)));

        var outcome = await Plan([F("curl", "8.2.1", 0, false, ("monterey", 'a')), F("curl", "8.2.1", 0, false, ("monterey", 'b'))], hashFile, ["monterey"]);

        Assert.Empty(outcome.Plan.Bottles);
        Assert.Equal(1, outcome.Plan.Skipped);
        Assert.Single(outcome.Warnings);
    }

    [Fact]
    public async Task PlanAsync_TwoNamesWhoseBottlesGetOneKey_PlanTheFirstOnly()
    {
        // "a-1" 2 and "a" 1-2 both name a-1-2.monterey.bottle.tar.gz, key a-1-2-monterey.
        var outcome = await Plan([F("a-1", "2", 0, false, ("monterey", 'a')), F("a", "1-2", 0, false, ("monterey", 'b'), ("arm64_sonoma", 'c'))], tags: ["monterey", "arm64_sonoma"]);

        Assert.Equal(["a-1-2-monterey", "a-1-2-arm64_sonoma"], outcome.Plan.Bottles.Select(b => b.Key));
        Assert.Equal(new string('a', 64), outcome.Plan.Bottles[0].Sha256);
        Assert.Equal(outcome.Plan.Bottles.Count, outcome.Plan.Bottles.Select(b => b.ObjectKey).Distinct(StringComparer.Ordinal).Count());
        var warning = Assert.Single(outcome.Warnings);
        Assert.StartsWith("a 1-2 (monterey): its bottle a-1-2.monterey.bottle.tar.gz has the key or file name of a-1 2's", warning, StringComparison.Ordinal);
    }

    private static PlanRequest MontereyRequest() =>
        new(["monterey"], null, false, false, Date, new Uri("https://formulae.brew.sh/api/formula.json"), new RunLabels("Manual"));

    /// <summary>The catalog's formulae in order; <paramref name="asked"/> is told the index of each one asked for, before it is given.</summary>
    private static async IAsyncEnumerable<Formula> Observed(IReadOnlyList<Formula> formulae, Action<int> asked)
    {
        for (var i = 0; i < formulae.Count; i++)
        {
            asked(i);
            yield return formulae[i];
        }
        await Task.CompletedTask;
    }

    [Fact]
    public async Task PlanAsync_CatalogIsReadOnWhileTheHashFileIsStillBeingRead_AndWhatWasReadFirstIsPlannedAgainstIt()
    {
        var formulae = Enumerable.Range(0, 6).Select(i => F($"f{i}", "1.0", 0, false, ("monterey", (char)('a' + i)))).ToArray();
        var hashFile = new HashFile();
        hashFile.Set("f0-1.0-monterey", Entry(new string('a', 64)));
        hashFile.Set("f4-1.0-monterey", Entry(new string('e', 64)));
        // The hash file arrives only once the catalog's fourth formula has been asked for: a planner that waits for it at the
        // first formula never gets there.
        var arrives = new TaskCompletionSource<HashFile?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var catalog = Observed(formulae, i =>
        {
            if (i == 3)
            {
                arrives.TrySetResult(hashFile);
            }
        });

        var outcome = await SyncPlanner.PlanAsync(catalog, arrives.Task, Task.FromResult<IReadOnlySet<string>?>(null), MontereyRequest(), new FakeTimeProvider(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        // f0, read before the hash file came, is skipped like f4, read after: both are listed. The rest are planned in catalog order.
        Assert.Equal(["f1-1.0-monterey", "f2-1.0-monterey", "f3-1.0-monterey", "f5-1.0-monterey"], outcome.Plan.Bottles.Select(b => b.Key));
        Assert.Equal(2, outcome.Plan.Skipped);
        Assert.Equal(6, outcome.FormulaeRead);
    }

    [Fact]
    public async Task PlanAsync_HashFileNotYetRead_TheCatalogIsHeldNoFurtherThanTheCap_ThenPlannedWhole()
    {
        var formulae = Enumerable.Range(0, SyncPlanner.MaxHeldFormulae + 50).Select(i => F($"f{i}", "1.0", 0, false, ("monterey", 'a'))).ToArray();
        var pastTheCap = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hashFile = new TaskCompletionSource<HashFile?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var catalog = Observed(formulae, i =>
        {
            if (i == SyncPlanner.MaxHeldFormulae)
            {
                pastTheCap.TrySetResult();
            }
        });

        var planning = SyncPlanner.PlanAsync(catalog, hashFile.Task, Task.FromResult<IReadOnlySet<string>?>(null), MontereyRequest(), new FakeTimeProvider(), CancellationToken.None);

        // Without the cap the whole catalog is read within a few milliseconds; with it, nothing past the cap until the hash file comes.
        var first = await Task.WhenAny(pastTheCap.Task, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.NotSame(pastTheCap.Task, first);
        Assert.False(planning.IsCompleted);
        hashFile.SetResult(new HashFile());
        var outcome = await planning.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(pastTheCap.Task.IsCompleted);
        Assert.Equal(formulae.Length, outcome.FormulaeRead);
        Assert.Equal(formulae.Length, outcome.Plan.ImageIndexes.Count);
    }

    [Fact]
    public async Task PlanAsync_HashFileThatFailed_StopsTheCatalogAtOnce_AndCancelsPortableRubysLookup()
    {
        var formulae = Enumerable.Range(0, SyncPlanner.MaxHeldFormulae + 50).Select(i => F($"f{i}", "1.0", 0, false, ("monterey", 'a'))).ToArray();
        var asked = 0;
        var catalog = Observed(formulae, i => asked = i + 1);
        var lookupCancelled = false;
        // A lookup that ends only when cancelled (brew's repository and the registry not answering).
        async Task<HomebrewSync.Core.PortableRuby.PortableRubyResolution> Lookup(Uri image, CancellationToken ct)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                lookupCancelled = true;
                throw;
            }
            return new HomebrewSync.Core.PortableRuby.PortableRubyResolution([], []);
        }
        // The store's listing never answers: only the failed hash file can end the wait.
        var listing = new TaskCompletionSource<IReadOnlySet<string>?>();

        var failure = await Assert.ThrowsAsync<IOException>(() => SyncPlanner.PlanAsync(catalog, Task.FromException<HashFile?>(new IOException("the hash file is corrupt")),
            listing.Task, MontereyRequest(), new FakeTimeProvider(), CancellationToken.None, Lookup).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("the hash file is corrupt", failure.Message);
        Assert.Equal(1, asked);
        Assert.True(lookupCancelled);
    }
}
