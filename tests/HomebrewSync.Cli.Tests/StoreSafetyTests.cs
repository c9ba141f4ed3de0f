using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using HomebrewSync.Core.Coordination;

namespace HomebrewSync.Cli.Tests;

/// <summary>
/// What the folder store never does, whatever the hash file or the folder holds: delete or serve anything the hash
/// file and the key grammar do not vouch for, follow a link out of the store, or let a prune and a sync interleave.
/// </summary>
public sealed class StoreSafetyTests : IDisposable
{
    private readonly string _outside = Path.Combine(Path.GetTempPath(), "hbs-outside-" + Guid.NewGuid().ToString("N"));

    public StoreSafetyTests() => Directory.CreateDirectory(_outside);

    public void Dispose() => Directory.Delete(_outside, recursive: true);

    /// <summary>"Today" for prune: long after every sync date, so everything prune may remove is past every grace period.</summary>
    private static DatedClock Later() => new(new DateTimeOffset(2025, 9, 1, 3, 0, 0, TimeSpan.Zero));

    /// <summary>wget 1.0 and curl 8.0 synced on 2025-07-01, then wget 1.1 on 2025-08-20: wget 1.0 is what prune removes.</summary>
    private static async Task<CliHarness> SupersededAsync()
    {
        var h = await CliHarness.StartAsync([
            new FormulaBuilder("wget").WithVersion("1.0").WithBottle("monterey", 3000).Build(),
            new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build()]);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01"));
        h.Server.SetFormulae([new FormulaBuilder("wget").WithVersion("1.1").WithBottle("monterey", 3100).Build(), h.Server.Formulae[1]]);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-08-20"));
        return h;
    }

    /// <summary>A saved plan for 2025-08-21 that downloads nothing and retires <paramref name="retire"/> (an earlier layout's entry): its key.</summary>
    private static async Task<string> SavedPlanRetiringAsync(CliHarness h, string retire)
    {
        const string key = "plans/2025-08-21/20250821T030000Z-abcd1234.json";
        Directory.CreateDirectory(h.PathOf("plans/2025-08-21"));
        await File.WriteAllTextAsync(h.PathOf(key), $$"""
            {"sync_date":"2025-08-21","created_at":"2025-08-21T03:00:00+00:00","api_url":"https://formulae.brew.sh/api/formula.json",
             "platforms":["monterey"],"bottles":[],"retire":["{{retire}}"]}
            """);
        return key;
    }

    private static void AssertSucceeded(CliRun run) => Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");

    private static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes, StringComparer.Ordinal);

    /// <summary>prune, verify, stats and sync, each refusing (exit 1) with every one of <paramref name="expected"/> in its error; the store as it was.</summary>
    private static async Task AssertEveryCommandRefusesAsync(CliHarness h, params string[] expected)
    {
        var before = Snapshot(h.Store);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var runs = new[]
        {
            await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0"),
            await h.RunAsync("verify"),
            await h.RunAsync("stats"),
            await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-08-21"),
        };

        foreach (var run in runs)
        {
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
            Assert.All(expected, e => Assert.Contains(e, run.Error, StringComparison.Ordinal));
        }
        Assert.Equal(before, Snapshot(h.Store));
    }

    [Theory]
    [InlineData]
    [InlineData("--force")]
    public async Task Sync_OfFewerTags_KeepsAnotherTagsBottleOfTheSameBytes(params string[] more)
    {
        // Two tags of one version share a blob, each stored under its own name. A selective sync of one tag must not take the
        // other's for an earlier layout of its own bottle and retire it: Macs of that tag would get 404s until a full sync.
        var blob = BlobContent.Create(3000, 77);
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("twin").WithVersion("1.0").WithBottle("arm64_sonoma", blob).WithBottle("arm64_sequoia", blob).Build()]);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "arm64_sonoma,arm64_sequoia", "--date", "2025-07-01"));
        var sequoia = h.PathOf("2025-07-01/twin-1.0.arm64_sequoia.bottle.tar.gz");
        Assert.True(File.Exists(sequoia));

        AssertSucceeded(await h.RunAsync(["sync", "--platform", "arm64_sonoma", "--date", "2025-07-02", .. more]));

        Assert.True(File.Exists(sequoia));
        Assert.Contains("\"twin-1.0-arm64_sequoia\"", await File.ReadAllTextAsync(h.PathOf("bottles_hash.json")));
        AssertSucceeded(await h.RunAsync("verify"));
    }

    [Fact]
    public async Task Prune_OnACatalogWithUnreadableEntries_RefusesNamingHowManyAndTheFirst_AndDeletesNothing()
    {
        // 3,000 entries prune cannot read ahead of the real ones: a formula it could not describe would look dropped.
        await using var h = await SupersededAsync();
        using var http = new HttpClient();
        var catalog = (await http.GetStringAsync(h.Server.ApiUrl)).TrimStart();
        h.Server.SetCatalogBody(System.Text.Encoding.UTF8.GetBytes("[" + string.Concat(Enumerable.Repeat("{},", 3000)) + catalog[1..]));
        var before = Snapshot(h.Store);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");

        Assert.True(prune.ExitCode == 1, $"exit {prune.ExitCode}: {prune.Error}");
        Assert.Matches(@"3,000 catalog entries could not be read \(first: [^\n]+\); nothing is pruned on a partial catalog", prune.Error);
        Assert.Equal(before, Snapshot(h.Store));
    }

    [Theory]
    [InlineData("bottles_hash.json")]
    [InlineData("bottles_hash.json.backup-20250701T030000Z")]
    [InlineData("status/last-run.json")]
    [InlineData("leases/exclusive.json")]
    [InlineData("manifests/curl/8.0.json")]
    [InlineData("2025-07-01/curl-8.0.monterey.bottle.tar.gz")]
    [InlineData("2025-07-01/../../outside.bottle.tar.gz")]
    [InlineData("2025-07-01/wget-1.0.monterey.bottle.tar.gz\n")]
    public async Task HashFileEntryNamingAnythingButItsOwnBottle_IsRefusedByEveryCommand_AndNothingIsDeleted(string s3Key)
    {
        await using var h = await SupersededAsync();
        await File.WriteAllTextAsync(h.PathOf("bottles_hash.json.backup-20250701T030000Z"), "{}");
        var hashFile = JsonNode.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")))!;
        hashFile["bottles"]!["wget-1.0-monterey"]!["s3_key"] = s3Key;
        await File.WriteAllTextAsync(h.PathOf("bottles_hash.json"), hashFile.ToJsonString());

        await AssertEveryCommandRefusesAsync(h, "is corrupt (entry 'wget-1.0-monterey': s3_key");
    }

    [Fact]
    public async Task HashFileEntryUnderAnotherBottlesKey_IsRefused()
    {
        await using var h = await SupersededAsync();
        var hashFile = JsonNode.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")))!;
        var bottles = hashFile["bottles"]!.AsObject();
        var entry = bottles["wget-1.0-monterey"]!.DeepClone();
        bottles.Remove("wget-1.0-monterey");
        bottles["curl-9.9-monterey"] = entry;
        await File.WriteAllTextAsync(h.PathOf("bottles_hash.json"), hashFile.ToJsonString());

        var verify = await h.RunAsync("verify");

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("entry 'curl-9.9-monterey': its key should be 'wget-1.0-monterey'", verify.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9223372036854775807L, 0L)]
    [InlineData(5000000000000000000L, 5000000000000000000L)]
    public async Task HashFileEntryWithASizeNoBottleHas_IsRefusedByEveryCommand_AndNothingIsDeleted(long wgetSize, long curlSize)
    {
        await using var h = await SupersededAsync();
        var hashFile = JsonNode.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")))!;
        hashFile["bottles"]!["wget-1.0-monterey"]!["file_size"] = wgetSize;
        if (curlSize > 0)
        {
            hashFile["bottles"]!["curl-8.0-monterey"]!["file_size"] = curlSize;
        }
        await File.WriteAllTextAsync(h.PathOf("bottles_hash.json"), hashFile.ToJsonString());

        await AssertEveryCommandRefusesAsync(h, "is corrupt (entry '", "more than any bottle (1,099,511,627,776 bytes)");
    }

    [Theory]
    [InlineData("api/internal/a\\b.jws.json")]
    [InlineData("api/internal/Packages.jws.json")]
    public async Task Prune_StrayFileUnderApi_ThatServeWouldNeverServe_IsNotReadAndThePruneGoesOn(string stray)
    {
        await using var h = await SupersededAsync();
        Directory.CreateDirectory(h.PathOf("api/internal"));
        await File.WriteAllTextAsync(h.PathOf(stray), "{ not an API file");
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");

        Assert.True(prune.ExitCode == 0, $"exit {prune.ExitCode}: {prune.Error}");
        Assert.False(File.Exists(h.PathOf("2025-07-01/wget-1.0.monterey.bottle.tar.gz")));
        Assert.True(File.Exists(h.PathOf(stray)));
    }

    [Fact]
    public async Task SavedPlanRetiringABottlesOnlyEntry_KeepsItListedAndStored()
    {
        await using var h = await SupersededAsync();
        // Retiring is renaming: the planner retires an earlier layout's entry only when another entry lists the same bytes.
        var key = await SavedPlanRetiringAsync(h, "curl-8.0-monterey");

        var sync = await h.RunAsync("sync", "--plan", key);
        var verify = await h.RunAsync("verify");

        AssertSucceeded(sync);
        Assert.Contains("warning: kept curl-8.0-monterey: the plan retires it, but no other entry lists its bytes", sync.Error, StringComparison.Ordinal);
        Assert.Contains("0 entries of the earlier layout retired, 0 objects removed", sync.Error, StringComparison.Ordinal);
        using var hashFile = JsonDocument.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")));
        Assert.True(hashFile.RootElement.GetProperty("bottles").TryGetProperty("curl-8.0-monterey", out _));
        Assert.True(File.Exists(h.PathOf("2025-07-01/curl-8.0.monterey.bottle.tar.gz")));
        AssertSucceeded(verify);
    }

    [Fact]
    public async Task Prune_ASupersededBottleBehindALinkedDateFolder_IsLeftInPlace_AndReportedSo_NotAsRemoved()
    {
        // The day's folder archived elsewhere and linked back: the deletion is refused, and the report said "removed" anyway.
        await using var h = await SupersededAsync();
        var archived = Path.Combine(_outside, "2025-07-01");
        Directory.Move(h.PathOf("2025-07-01"), archived);
        Directory.CreateSymbolicLink(h.PathOf("2025-07-01"), archived);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0", "--json");

        Assert.True(prune.ExitCode == 0, prune.Error);
        Assert.True(File.Exists(Path.Combine(archived, "wget-1.0.monterey.bottle.tar.gz")));
        using var doc = JsonDocument.Parse(prune.Out);
        Assert.Empty(doc.RootElement.GetProperty("superseded").EnumerateArray());
        var left = Assert.Single(doc.RootElement.GetProperty("left_in_place").EnumerateArray());
        Assert.Equal("2025-07-01/wget-1.0.monterey.bottle.tar.gz", left.GetProperty("object_key").GetString());
        Assert.Contains("is a symbolic link; links in the store are never followed", left.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(doc.RootElement.GetProperty("manifests").GetArrayLength(), doc.RootElement.GetProperty("removed").GetInt32());
    }

    [Fact]
    public async Task Prune_AfterTheHashFileWasLostAndASyncStartedANewOne_RefusesToRemoveTheEarlierMirror_UnlessToldTo()
    {
        // The hash file deleted, a sync writes a new one (downloading everything again into its day's folder): every bottle
        // stored before is unlisted, and prune removed them all, the versions published API files and Macs still ask for too.
        var formulae = Enumerable.Range(0, 12).Select(i => new FormulaBuilder($"tool{i:00}").WithVersion("1.0").WithBottle("monterey", 600).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01", "--no-api"));
        File.Delete(h.PathOf("bottles_hash.json"));
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-08-20", "--no-api"));
        var earlier = Directory.GetFiles(h.PathOf("2025-07-01"));
        foreach (var file in earlier)
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2025, 7, 1, 3, 0, 0, DateTimeKind.Utc));
        }
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var refused = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");
        var dryRun = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0", "--dry-run");
        var dryRunJson = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0", "--dry-run", "--json");
        Assert.All(earlier, f => Assert.True(File.Exists(f)));
        var told = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0", "--delete-unlisted");

        Assert.True(refused.ExitCode == 1, $"exit {refused.ExitCode}: {refused.Error}");
        Assert.Contains("error: nothing pruned: 12 bottle objects (", refused.Error, StringComparison.Ordinal);
        Assert.Contains(") from other days than 2025-08-20 are named by no hash-file entry, more than 10 beside the 12 it lists. A hash file that was lost", refused.Error, StringComparison.Ordinal);
        AssertSucceeded(dryRun);
        Assert.Contains("warning: prune without --delete-unlisted would refuse: 12 bottle objects", dryRun.Error, StringComparison.Ordinal);
        // A script reading the dry run's JSON learns it too.
        AssertSucceeded(dryRunJson);
        Assert.StartsWith("12 bottle objects (", JsonDocument.Parse(dryRunJson.Out).RootElement.GetProperty("would_refuse").GetString(), StringComparison.Ordinal);
        AssertSucceeded(told);
        Assert.All(earlier, f => Assert.False(File.Exists(f)));
        Assert.Equal(12, Directory.GetFiles(h.PathOf("2025-08-20")).Length);
    }

    [Fact]
    public async Task Prune_AfterTheHashFileWasEmptied_RefusesToRemoveTheMirror_AndDeletesNothing()
    {
        // An operator resets a hash file by hand to list nothing: with no newest listed day, no object counted, and prune
        // removed every bottle in the store.
        var formulae = Enumerable.Range(0, 12).Select(i => new FormulaBuilder($"tool{i:00}").WithVersion("1.0").WithBottle("monterey", 600).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01", "--no-api"));
        await File.WriteAllTextAsync(h.PathOf("bottles_hash.json"), """
            {"last_updated":"2025-07-02T03:00:00Z","sync_version":"1.0.0","total_bottles":0,"total_size_bytes":0,"platforms":["monterey"],"bottles":{}}
            """);
        foreach (var file in Directory.GetFiles(h.PathOf("2025-07-01")))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2025, 7, 1, 3, 0, 0, DateTimeKind.Utc));
        }
        var before = Snapshot(h.Store);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var refused = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");

        Assert.True(refused.ExitCode == 1, $"exit {refused.ExitCode}: {refused.Error}");
        Assert.Contains("error: nothing pruned: 12 bottle objects (", refused.Error, StringComparison.Ordinal);
        Assert.Contains(") are named by no hash-file entry, more than 10 beside the 0 it lists.", refused.Error, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(h.Store));
    }

    [Fact]
    public async Task Prune_AfterTheHashFileWasRestoredFromAnOldBackup_RefusesToRemoveWhatLaterSyncsStored()
    {
        // The hash file of 2025-07-01 restored over the one two syncs since wrote: their bottles are unlisted, of days after
        // the newest it lists, and were all taken for a killed sync's and removed.
        var v1 = Enumerable.Range(0, 12).Select(i => new FormulaBuilder($"tool{i:00}").WithVersion("1.0").WithBottle("monterey", 600).Build()).ToArray();
        var v2 = v1.Select(f => new FormulaBuilder(f.Name).WithVersion("2.0").WithBottle("monterey", 700).Build()).ToArray();
        var v3 = v1.Select(f => new FormulaBuilder(f.Name).WithVersion("3.0").WithBottle("monterey", 800).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(v1);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01", "--no-api"));
        var backup = await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json"));
        h.Server.SetFormulae(v2);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-08", "--no-api"));
        h.Server.SetFormulae(v3);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-15", "--no-api"));
        await File.WriteAllBytesAsync(h.PathOf("bottles_hash.json"), backup);
        foreach (var day in new[] { "2025-07-01", "2025-07-08", "2025-07-15" })
        {
            foreach (var file in Directory.GetFiles(h.PathOf(day)))
            {
                File.SetLastWriteTimeUtc(file, DateTime.Parse(day + "T03:00:00Z", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
            }
        }
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";
        h.Server.SetFormulae(v1);

        var refused = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");

        Assert.True(refused.ExitCode == 1, $"exit {refused.ExitCode}: {refused.Error}");
        Assert.Contains("error: nothing pruned: 12 bottle objects (", refused.Error, StringComparison.Ordinal);
        Assert.Contains(") from other days than 2025-07-01 and 2025-07-15 are named by no hash-file entry", refused.Error, StringComparison.Ordinal);
        Assert.Equal(12, Directory.GetFiles(h.PathOf("2025-07-08")).Length);
        Assert.Equal(12, Directory.GetFiles(h.PathOf("2025-07-15")).Length);
    }

    [Fact]
    public async Task Prune_CutShortAfterItsHashFileWrite_LeavesWhatTheNextPruneRemovesWithoutRefusing()
    {
        // Twelve superseded bottles. A prune writes the hash file without them, then is cut short (a Lambda's time budget) before
        // deleting: twelve old unlisted objects, which the next prune refused as a lost hash file's, for good on a deployed stack.
        var v1 = Enumerable.Range(0, 12).Select(i => new FormulaBuilder($"tool{i:00}").WithVersion("1.0").WithBottle("monterey", 600).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(v1);
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01", "--no-api"));
        h.Server.SetFormulae(v1.Select(f => new FormulaBuilder(f.Name).WithVersion("2.0").WithBottle("monterey", 700).Build()));
        AssertSucceeded(await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-08-20", "--no-api"));
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";
        // A complete prune leaves an empty record of what it was about to delete.
        var first = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0", "--json");
        AssertSucceeded(first);
        Assert.Equal(12, JsonDocument.Parse(first.Out).RootElement.GetProperty("superseded").GetArrayLength());
        Assert.Equal("""{"object_keys":[]}""", await File.ReadAllTextAsync(h.PathOf("status/prune-pending.json")));
        // The state a prune cut short after its hash-file write leaves: its record, and the objects it had not deleted yet.
        var leftover = v1.Select(f => $"2025-07-01/{f.FileName("monterey")}").ToArray();
        foreach (var (f, key) in v1.Zip(leftover))
        {
            await File.WriteAllBytesAsync(h.PathOf(key), f.Bottles["monterey"].ToArray());
            File.SetLastWriteTimeUtc(h.PathOf(key), new DateTime(2025, 7, 1, 3, 0, 0, DateTimeKind.Utc));
        }
        await File.WriteAllTextAsync(h.PathOf("status/prune-pending.json"), JsonSerializer.Serialize(new Dictionary<string, string[]> { ["object_keys"] = leftover }));

        var next = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0", "--json");

        AssertSucceeded(next);
        Assert.Equal(12, JsonDocument.Parse(next.Out).RootElement.GetProperty("unlisted").GetArrayLength());
        Assert.All(leftover, k => Assert.False(File.Exists(h.PathOf(k))));
        Assert.Equal(12, Directory.GetFiles(h.PathOf("2025-08-20")).Length);
    }

    [Fact]
    public async Task RetiredEarlierLayoutObjectBehindALink_IsKeptWithAWarning_AndWhatItPointsAtIsUntouched()
    {
        await using var h = await SupersededAsync();
        // An earlier layout's copy of curl 8.0 (same bytes, named after another tag), its file a link to somewhere outside.
        var hashFile = JsonNode.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")))!;
        var entry = hashFile["bottles"]!["curl-8.0-monterey"]!.DeepClone();
        entry["platform"] = "big_sur";
        entry["s3_key"] = "2025-07-01/curl-8.0.big_sur.bottle.tar.gz";
        hashFile["bottles"]!["curl-8.0-big_sur"] = entry;
        await File.WriteAllTextAsync(h.PathOf("bottles_hash.json"), hashFile.ToJsonString());
        var outside = Path.Combine(_outside, "archived.tar.gz");
        await File.WriteAllTextAsync(outside, "archived elsewhere");
        File.CreateSymbolicLink(h.PathOf("2025-07-01/curl-8.0.big_sur.bottle.tar.gz"), outside);
        var key = await SavedPlanRetiringAsync(h, "curl-8.0-big_sur");

        var sync = await h.RunAsync("sync", "--plan", key);

        AssertSucceeded(sync);
        Assert.Contains("warning: kept 2025-07-01/curl-8.0.big_sur.bottle.tar.gz: ", sync.Error, StringComparison.Ordinal);
        Assert.Contains("is a symbolic link; links in the store are never followed", sync.Error, StringComparison.Ordinal);
        Assert.Contains("1 entries of the earlier layout retired, 0 objects removed", sync.Error, StringComparison.Ordinal);
        Assert.Equal("archived elsewhere", await File.ReadAllTextAsync(outside));
        Assert.Equal(outside, new FileInfo(h.PathOf("2025-07-01/curl-8.0.big_sur.bottle.tar.gz")).LinkTarget);
        using var after = JsonDocument.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")));
        var bottles = after.RootElement.GetProperty("bottles");
        Assert.False(bottles.TryGetProperty("curl-8.0-big_sur", out _));
        Assert.True(bottles.TryGetProperty("curl-8.0-monterey", out _));
        Assert.True(File.Exists(h.PathOf("2025-07-01/curl-8.0.monterey.bottle.tar.gz")));
    }

    [Theory]
    [InlineData("bottles_hash.json", "verify,stats,prune")]
    [InlineData("leases/exclusive.json", "prune")]
    [InlineData("2025-08-20/wget-1.1.monterey.bottle.tar.gz", "")]
    [InlineData("api/internal/packages.monterey.jws.json", "")]
    [InlineData("status/last-run.json", "")]
    public async Task NamedPipeInTheStore_IsRefusedAsNotAFile_NoCommandWaitsOnIt(string key, string refusedBy)
    {
        await using var h = await SupersededAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(h.PathOf(key))!);
        await NamedPipe.CreateAsync(h.PathOf(key));
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";
        var limit = TimeSpan.FromMinutes(2);

        var verify = await h.RunAsync("verify").WaitAsync(limit);
        var stats = await h.RunAsync("stats").WaitAsync(limit);
        var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0").WaitAsync(limit);

        foreach (var (command, run) in new[] { ("verify", verify), ("stats", stats), ("prune", prune) })
        {
            Assert.DoesNotContain("unexpected", run.Error, StringComparison.OrdinalIgnoreCase);
            if (refusedBy.Split(',').Contains(command))
            {
                Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
                Assert.Contains($"'{key}' was refused: {h.PathOf(key)} is not a regular file (a named pipe, a socket or a device)", run.Error, StringComparison.Ordinal);
            }
        }
        if (key.EndsWith(".tar.gz", StringComparison.Ordinal))
        {
            // Its size (0) is not the hash file's: a problem verify reports, without reading it.
            Assert.Equal(3, verify.ExitCode);
        }
        Assert.True(File.Exists(h.PathOf(key)));
    }

    [Theory]
    [InlineData("bottles_hash.json", "document of the store")]
    [InlineData("leases/exclusive.json", "lease")]
    public async Task FileLargerThanAnyDocument_IsRefusedNamingIt_NotReadIntoMemory(string key, string what)
    {
        await using var h = await SupersededAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(h.PathOf(key))!);
        // 3 GiB without the disk: a sparse file reads as zeros, past what one array (and so a document) can hold.
        await using (var sparse = new FileStream(h.PathOf(key), FileMode.Create, FileAccess.Write))
        {
            sparse.SetLength(3L << 30);
        }
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");

        Assert.True(prune.ExitCode == 1, $"exit {prune.ExitCode}: {prune.Error}");
        Assert.Contains($"{h.PathOf(key)} is 3,221,225,472 bytes, more than any {what} can be", prune.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(h.PathOf("2025-07-01/wget-1.0.monterey.bottle.tar.gz")));
    }

    [Fact]
    public async Task FolderWhereTheHashFileShouldBe_IsRefusedByEveryCommand_NamingIt()
    {
        await using var h = await SupersededAsync();
        File.Delete(h.PathOf("bottles_hash.json"));
        Directory.CreateDirectory(h.PathOf("bottles_hash.json"));

        await AssertEveryCommandRefusesAsync(h, $"'bottles_hash.json' was refused: {h.PathOf("bottles_hash.json")} is a folder, not a file");
    }

    [Fact]
    public async Task NamedPipeAsTheHashFile_TheCliAsAProcessRefusesItAndEnds()
    {
        await using var h = await SupersededAsync();
        await NamedPipe.CreateAsync(h.PathOf("bottles_hash.json"));
        var blobGets = h.Server.TotalBlobGets;

        // The executable as users run it (the native one under scripts/test.sh): its open of the pipe must not wait either.
        var verify = await CliProcess.RunAsync(h.Environment(), "verify");
        var sync = await CliProcess.RunAsync(h.Environment(), "sync", "--platform", "monterey", "--date", "2025-08-21");

        foreach (var run in new[] { verify, sync })
        {
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
            Assert.Contains($"'bottles_hash.json' was refused: {h.PathOf("bottles_hash.json")} is not a regular file", run.Error, StringComparison.Ordinal);
        }
        Assert.Equal(blobGets, h.Server.TotalBlobGets);
    }

    [Fact]
    public async Task SymlinkedHashFile_IsRefusedByEveryCommand_AndPruneDeletesNothingItDoesNotList()
    {
        await using var h = await SupersededAsync();
        // Another hash file, one that lists nothing this store holds: trusted, it would make every bottle here unlisted.
        var elsewhere = Path.Combine(_outside, "bottles_hash.json");
        var hashFile = JsonNode.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")))!;
        hashFile["bottles"] = new JsonObject();
        await File.WriteAllTextAsync(elsewhere, hashFile.ToJsonString());
        File.Delete(h.PathOf("bottles_hash.json"));
        File.CreateSymbolicLink(h.PathOf("bottles_hash.json"), elsewhere);

        await AssertEveryCommandRefusesAsync(h, "'bottles_hash.json' was refused: ", "is a symbolic link; links in the store are never followed");
        Assert.Equal(hashFile.ToJsonString(), await File.ReadAllTextAsync(elsewhere));
    }

    [Fact]
    public async Task SymlinkedWriteLock_IsRefused_AndNothingIsCreatedWhereItPoints()
    {
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build()]);
        Directory.CreateDirectory(h.Store);
        var target = Path.Combine(_outside, "created-through-the-link");
        File.CreateSymbolicLink(h.PathOf(".bottles_hash.lock"), target);

        var sync = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01");

        Assert.True(sync.ExitCode == 1, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("'.bottles_hash.lock' was refused: ", sync.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(h.PathOf("bottles_hash.json")));
    }

    [Theory]
    [InlineData("manifests/zlib")]
    [InlineData("api/internal")]
    [InlineData("leases")]
    public async Task FileWhoseNameIsNotUtf8_IsNoKeyOfTheStore_AndStopsNoCommand(string folder)
    {
        await using var h = await SupersededAsync();
        Directory.CreateDirectory(h.PathOf(folder));
        // A name no .NET string can spell (nor delete: the shell removes it again): made by the shell, byte 0xFF in it.
        await ShellAsync("touch \"$1\"/$'\\xff'.json", h.PathOf(folder));
        try
        {
            Assert.Single(Directory.GetFiles(h.PathOf(folder)));
            var env = h.Environment();
            env["TARGET_PLATFORMS"] = "monterey";

            var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");
            var sync = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-08-21");

            AssertSucceeded(prune);
            AssertSucceeded(sync);
            Assert.False(File.Exists(h.PathOf("2025-07-01/wget-1.0.monterey.bottle.tar.gz")));
            Assert.Single(Directory.GetFiles(h.PathOf(folder)));
        }
        finally
        {
            await ShellAsync("rm -f \"$1\"/$'\\xff'.json", h.PathOf(folder));
        }
    }

    private static async Task ShellAsync(string script, string argument)
    {
        using var shell = System.Diagnostics.Process.Start("bash", ["-c", script, "_", argument]);
        await shell.WaitForExitAsync();
        Assert.Equal(0, shell.ExitCode);
    }

    [Theory]
    [InlineData("manifests/curl/8.0.json", false, "image index manifests/curl/8.0.json not kept")]
    [InlineData("status/last-run.json", false, "warning: status/last-run.json not written: 'status/last-run.json' was refused")]
    [InlineData("status/last-run.json", true, "warning: status/last-run.json not written: ")]
    public async Task Sync_ALinkOrAFolderWhereADocumentGoes_IsLeftAndWarnedOf_TheRunCompletes(string key, bool folder, string warning)
    {
        // A link planted where curl's image index or the run's status is kept (or a folder made there): never written through,
        // never removed, and one warning, not a failed run (which ended after the bottles were recorded, leaving the API files
        // and brew.git unpublished at every sync while it stayed).
        var curl = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build();
        await using var h = await CliHarness.StartAsync([curl]);
        var path = h.PathOf(key);
        var outside = Path.Combine(_outside, "planted.json");
        await File.WriteAllTextAsync(outside, "not the store's");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (folder)
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            File.CreateSymbolicLink(path, outside);
        }

        var sync = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01", "--json");

        Assert.True(sync.ExitCode == 3, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains(warning, sync.Error, StringComparison.Ordinal);
        // --json says why exit 3, whichever document it was.
        using (var json = JsonDocument.Parse(sync.Out))
        {
            var said = json.RootElement.GetProperty(key.StartsWith("status/", StringComparison.Ordinal) ? "status_not_written" : "indexes_not_kept");
            Assert.StartsWith(key + ": ", Assert.Single(said.EnumerateArray()).GetString(), StringComparison.Ordinal);
        }
        Assert.Equal("not the store's", await File.ReadAllTextAsync(outside));
        Assert.True(folder ? Directory.Exists(path) : new FileInfo(path).LinkTarget is not null);
        Assert.True(File.Exists(h.PathOf("2025-07-01/curl-8.0.monterey.bottle.tar.gz")));
        Assert.Contains("curl-8.0-monterey", await File.ReadAllTextAsync(h.PathOf("bottles_hash.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_ADateFolderLinkedElsewhereWhileABottleDownloads_GetsNothing_ThatBottleFails()
    {
        // The day's folder does not exist when the download starts; a link made in its place before the bottle is committed
        // must not carry the verified bytes out of the store (the path was checked only when the download began).
        var curl = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build();
        await using var h = await CliHarness.StartAsync([curl]);
        h.Server.BeforeBlobBody = () =>
        {
            if (!Directory.Exists(h.PathOf("2025-07-01")))
            {
                Directory.CreateSymbolicLink(h.PathOf("2025-07-01"), _outside);
            }
        };

        var sync = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01");

        Assert.True(sync.ExitCode == 3, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("is a symbolic link; links in the store are never followed", sync.Out + sync.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_outside));
        // Nothing stored, so nothing recorded: the run wrote no hash file.
        Assert.False(File.Exists(h.PathOf("bottles_hash.json")));
    }

    [Fact]
    public async Task Sync_TheStagingFolderLinkedElsewhereDuringTheRun_GetsNothingWrittenThere()
    {
        // Checked when the run starts; moved away and replaced by a link while the first bottle downloads, with a file of the
        // staged name where it points: that file is not moved in as the bottle (the staged file is renamed from the folder the
        // store holds open, where the download wrote it, so the bottle lands with its own verified bytes), and no later bottle
        // is staged through the link.
        var formulae = new[] { "curl", "wget", "jq" }.Select(n => new FormulaBuilder(n).WithVersion("1.0").WithBottle("monterey", 2000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var moved = Path.Combine(h.Store, "staging-moved-away");
        string? planted = null;
        h.Server.BeforeBlobBody = () =>
        {
            if (!Directory.Exists(moved))
            {
                Directory.Move(h.PathOf(".staging"), moved);
                planted = Path.Combine(_outside, Path.GetFileName(Directory.GetFiles(moved, "*.part").Single()));
                File.WriteAllText(planted, "someone else's");
                Directory.CreateSymbolicLink(h.PathOf(".staging"), _outside);
            }
        };

        var sync = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01", "--concurrency", "1");

        Assert.True(sync.ExitCode == 3, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains(".staging is a symbolic link; links in the store are never followed", sync.Out + sync.Error, StringComparison.Ordinal);
        Assert.Equal(planted, Assert.Single(Directory.GetFileSystemEntries(_outside)));
        Assert.Equal("someone else's", await File.ReadAllTextAsync(planted!));
        var listed = JsonNode.Parse(await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json")))!["bottles"]!.AsObject();
        var entry = Assert.Single(listed).Value!;
        var formula = formulae.Single(f => entry["formula_name"]!.GetValue<string>() == f.Name);
        Assert.Equal(formula.Bottles["monterey"].Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(h.PathOf(entry["s3_key"]!.GetValue<string>())))));
    }

    [Fact]
    public async Task Prune_SymlinkedDateFolder_NeverTouchesWhatItPointsAt()
    {
        await using var h = await SupersededAsync();
        var victim = Path.Combine(_outside, "victim-1.0.monterey.bottle.tar.gz");
        await File.WriteAllTextAsync(victim, "not the store's");
        File.SetLastWriteTimeUtc(victim, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Directory.CreateSymbolicLink(h.PathOf("2024-01-01"), _outside);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0", "--json");

        Assert.True(prune.ExitCode == 0, prune.Error);
        Assert.True(File.Exists(victim));
        using var doc = JsonDocument.Parse(prune.Out);
        Assert.Empty(doc.RootElement.GetProperty("unlisted").EnumerateArray());
        Assert.Equal("2025-07-01/wget-1.0.monterey.bottle.tar.gz", doc.RootElement.GetProperty("superseded")[0].GetProperty("object_key").GetString());
    }

    [Fact]
    public async Task SymlinkedBottle_IsNeitherServedNorHashed_AndVerifyReportsIt()
    {
        var curl = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build();
        await using var h = await CliHarness.StartAsync([curl]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01")).ExitCode);
        // The same bytes, but outside the store, behind a link where the bottle was.
        var bottle = h.PathOf("2025-07-01/curl-8.0.monterey.bottle.tar.gz");
        var outside = Path.Combine(_outside, "curl-8.0.monterey.bottle.tar.gz");
        File.Move(bottle, outside);
        File.CreateSymbolicLink(bottle, outside);

        var verify = await h.RunAsync("verify");
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";
        HttpStatusCode status, blob;
        await using (var serve = await ServeProcess.StartAsync(env))
        {
            using var http = new HttpClient();
            status = (await http.GetAsync(new Uri(serve.Url, "curl-8.0.monterey.bottle.tar.gz"))).StatusCode;
            blob = (await http.GetAsync(new Uri(serve.Url, $"v2/homebrew/core/curl/blobs/sha256:{curl.Bottles["monterey"].Sha256}"))).StatusCode;
        }

        Assert.Equal(3, verify.ExitCode);
        Assert.Contains("refused", verify.Out, StringComparison.Ordinal);
        Assert.Contains("symbolic link", verify.Out, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(HttpStatusCode.NotFound, blob);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task BottleWhoseSizeIsNotTheHashFiles_IsNotServed_WhileItsNeighbourIs(int change)
    {
        var curl = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build();
        var jq = new FormulaBuilder("jq").WithVersion("1.7").WithBottle("monterey", 1500).Build();
        await using var h = await CliHarness.StartAsync([curl, jq]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01")).ExitCode);
        // Truncated or grown in place (a disk error, a hand): no longer the bytes the hash file vouches for.
        var bottle = h.PathOf("2025-07-01/curl-8.0.monterey.bottle.tar.gz");
        var bytes = await File.ReadAllBytesAsync(bottle);
        await File.WriteAllBytesAsync(bottle, change < 0 ? bytes[..^1] : [.. bytes, 0]);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";
        HttpStatusCode byName, byDigest, neighbour;
        await using (var serve = await ServeProcess.StartAsync(env))
        {
            using var http = new HttpClient();
            byName = (await http.GetAsync(new Uri(serve.Url, "curl-8.0.monterey.bottle.tar.gz"))).StatusCode;
            byDigest = (await http.GetAsync(new Uri(serve.Url, $"v2/homebrew/core/curl/blobs/sha256:{curl.Bottles["monterey"].Sha256}"))).StatusCode;
            neighbour = (await http.GetAsync(new Uri(serve.Url, "jq-1.7.monterey.bottle.tar.gz"))).StatusCode;
        }

        Assert.Equal(HttpStatusCode.NotFound, byName);
        Assert.Equal(HttpStatusCode.NotFound, byDigest);
        Assert.Equal(HttpStatusCode.OK, neighbour);
    }

    [Theory]
    [InlineData("leases/shared-x.json")]
    [InlineData("leases/shared-0123456789ABCDEF0123456789ABCDEF.json")]
    public async Task StrayFileUnderLeases_IsNoLease_AndPruneRuns(string stray)
    {
        await using var h = await SupersededAsync();
        Directory.CreateDirectory(h.PathOf("leases"));
        var now = Later().GetUtcNow();
        // Were it a lease, it would be a running sync's: prune would step back for it.
        await File.WriteAllBytesAsync(h.PathOf(stray), new LeaseRecord("shared", "sync", "build-7", 4242, now, now + TimeSpan.FromMinutes(5)).ToBytes());
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";

        var prune = await CliHarness.RunAsync(env, Later(), "prune", "--keep-days", "0");

        AssertSucceeded(prune);
        Assert.False(File.Exists(h.PathOf("2025-07-01/wget-1.0.monterey.bottle.tar.gz")));
        Assert.True(File.Exists(h.PathOf(stray)));
    }

    [Fact]
    public async Task Verify_BottlesWithoutAHashFile_IsAProblem()
    {
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("curl").WithBottle("monterey").Build()]);
        Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01")).ExitCode);
        File.Delete(h.PathOf("bottles_hash.json"));

        var verify = await h.RunAsync("verify");

        Assert.Equal(3, verify.ExitCode);
        Assert.Contains("there is no hash file, but the store holds 1 bottle objects", verify.Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// The race that lost bottles: a sync re-recording bottles already on disk (left unlisted by a killed run, old enough
    /// for prune to remove) while a prune decides from the hash file it read. Both run as processes, the prune started
    /// at several offsets from the sync, and the other way round.
    /// </summary>
    [Fact]
    public async Task PruneBesideSync_InManyInterleavings_LosesNothingTheHashFileLists()
    {
        var v1 = Enumerable.Range(0, 30).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottle("monterey", 2_000 + i).Build()).ToArray();
        var v2 = Enumerable.Range(0, 30).Select(i => new FormulaBuilder($"tool{i}").WithVersion("2.0").WithBottle("monterey", 3_000 + i).Build()).ToArray();
        // Milliseconds: positive starts the prune after the sync, negative the sync after the prune.
        foreach (var offset in new[] { 0, 100, 250, 500, 900, -150, -400 })
        {
            await using var h = await CliHarness.StartAsync(v1);
            Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-01")).ExitCode);
            var listsV1 = await File.ReadAllBytesAsync(h.PathOf("bottles_hash.json"));
            h.Server.SetFormulae(v2);
            Assert.Equal(0, (await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-02")).ExitCode);
            // A killed run: v2's bottles on disk, two days old, but the hash file still lists only v1.
            await File.WriteAllBytesAsync(h.PathOf("bottles_hash.json"), listsV1);
            foreach (var f in v2)
            {
                File.SetLastWriteTimeUtc(h.PathOf($"2025-07-02/{f.FileName("monterey")}"), DateTime.UtcNow.AddDays(-2));
            }
            var env = h.Environment();
            env["TARGET_PLATFORMS"] = "monterey";

            var (s, p) = await ConcurrentRuns.PruneBesideSyncAsync(env, offset, "2025-07-02");

            Assert.True(s.ExitCode == 0, $"offset {offset}: sync exit {s.ExitCode}\n{s.Error}");
            Assert.True(p.ExitCode is 0 or 5, $"offset {offset}: prune exit {p.ExitCode}\n{p.Error}");
            if (p.ExitCode == 5)
            {
                Assert.Contains("in use by sync on", p.Error, StringComparison.Ordinal);
            }
            var verify = await h.RunAsync("verify", "--json");
            Assert.True(verify.ExitCode == 0, $"offset {offset}: prune exit {p.ExitCode}\n{p.Error}\n{verify.Out}");
            using var doc = JsonDocument.Parse(verify.Out);
            Assert.Equal(v2.Length + (p.ExitCode == 0 ? 0 : v1.Length), doc.RootElement.GetProperty("entries_checked").GetInt32());
            Assert.Empty(Directory.GetFileSystemEntries(h.PathOf("leases")));
        }
    }

    [Fact]
    public async Task KilledSync_HoldsTheStoreUntilItsLeaseExpires_ThenPruneRuns()
    {
        // The last is the smallest, so it starts last (the largest known start first) and stalls once the others are stored.
        var formulae = Enumerable.Range(0, 3).Select(i => new FormulaBuilder($"tool{i}").WithBottle("monterey", 2_002 - i).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = "monterey";
        env["STORE_LEASE_SECONDS"] = "10";
        env["DOWNLOAD_TIMEOUT_SECONDS"] = "120";
        var pid = await KilledRun.KillWhileStalledAsync(h.Server, formulae[^1].Bottles["monterey"].Sha256, env, "sync", "--concurrency", "1", "--batch-size", "1", "--date", "2025-07-21");
        var killedAt = DateTimeOffset.UtcNow;

        var refused = await CliHarness.RunAsync(env, "prune");

        Assert.Equal(5, refused.ExitCode);
        Assert.Contains($"in use by sync on {Environment.MachineName} (pid {pid})", refused.Error, StringComparison.Ordinal);
        Assert.Contains("nothing pruned", refused.Error, StringComparison.Ordinal);
        // The killed holder never renews: its lease runs out ten seconds after its last renewal, and the store is free.
        var run = await KilledRun.PruneOnceTheStoreIsFreeAsync(env, killedAt);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(0, (await h.RunAsync("verify")).ExitCode);
    }

    [Fact]
    public async Task Sync_WhilePruneHoldsTheStore_WaitsForIt_ThenRuns()
    {
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("curl").WithBottle("monterey").Build()]);
        Directory.CreateDirectory(h.PathOf("leases"));
        var now = DateTimeOffset.UtcNow;
        var prune = new LeaseRecord("exclusive", "prune", "build-7", 4242, now, now + TimeSpan.FromSeconds(3));
        await File.WriteAllBytesAsync(h.PathOf(StoreCoordinator.ExclusiveKey), prune.ToBytes());

        var env = h.Environment();
        // Another machine's lease is honoured for half a lease past its stated expiry (clock skew): short here.
        env["STORE_LEASE_SECONDS"] = "5";
        var sync = await CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-01");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Contains("Waiting for the store: it is in use by prune on build-7 (pid 4242)", sync.Error, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow >= prune.ExpiresAt);
        Assert.Equal(0, (await h.RunAsync("verify")).ExitCode);
    }
}
