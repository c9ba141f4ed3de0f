
namespace HomebrewSync.Cli.Tests;

/// <summary>
/// brew's portable Ruby mirrored with the bottles (the registry image <c>portable-ruby</c>, every platform its image index lists):
/// stored and recorded like a formula's bottles, answered on brew's two vendor-install URLs by <c>serve</c>, kept by prune while
/// named, off with <c>--no-portable-ruby</c>, and a registry without the image is one warning.
/// </summary>
public sealed class PortableRubyTests : IAsyncLifetime
{
    private static readonly string[] RubyTags = ["arm64_big_sur", "arm64_linux", "catalina", "x86_64_linux"];
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-ruby-" + Guid.NewGuid().ToString("N"));
    private readonly BrewClient _brew = new();
    private CliHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync([
            new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("arm64_sonoma", 900).Build(),
            new FormulaBuilder("wget").WithVersion("1.24.5").WithBottle("all", 1200).Build(),
        ]);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _brew.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    internal static FakeFormula Ruby(string version, int seed) =>
        RubyTags.Aggregate(new FormulaBuilder("portable-ruby").WithVersion(version), (b, t) => b.WithBottle(t, 2000 + seed + t.Length)).Build();

    private Dictionary<string, string?> Env()
    {
        var env = _h.Environment();
        env["TARGET_PLATFORMS"] = "arm64_sonoma";
        env["TEMP_DIR"] = _temp;
        return env;
    }

    private Dictionary<string, JsonElement> HashFileEntries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(_h.PathOf("bottles_hash.json")));
        return doc.RootElement.GetProperty("bottles").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    [Fact]
    public async Task Sync_MirrorsEveryPlatformOfTheNewestVersion_ThenServesBrewsVendorInstallUrls()
    {
        var old = Ruby("4.0.5", 7);
        var ruby = Ruby("4.0.6", 0);
        _h.Server.SetRegistryImages([old, ruby]);

        var sync = await CliHarness.RunAsync(Env(), "sync", "--date", "2025-07-21");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Contains("portable Ruby 4.0.6: 4 bottles to fetch", sync.Error);
        var entries = HashFileEntries();
        foreach (var tag in RubyTags)
        {
            var entry = entries[$"portable-ruby-4.0.6-{tag}"];
            Assert.Equal($"2025-07-21/portable-ruby-4.0.6.{tag}.bottle.tar.gz", entry.GetProperty("s3_key").GetString());
            Assert.Equal(ruby.Bottles[tag].Sha256, entry.GetProperty("sha256").GetString());
            Assert.True(File.Exists(_h.PathOf($"2025-07-21/portable-ruby-4.0.6.{tag}.bottle.tar.gz")));
        }
        Assert.DoesNotContain(entries.Keys, k => k.StartsWith("portable-ruby-4.0.5", StringComparison.Ordinal));
        Assert.True(File.Exists(_h.PathOf("manifests/portable-ruby/4.0.6.json")));

        var stats = await CliHarness.RunAsync(Env(), "stats");
        Assert.Contains("Portable Ruby (brew's own, every platform): 4.0.6: arm64_big_sur, arm64_linux, catalina, x86_64_linux", stats.Out);
        // Its tags are not the fleet's: arm64_big_sur is not counted as an old bottle serving arm64_sonoma.
        Assert.DoesNotContain("via arm64_big_sur", stats.Out);

        await using var serve = await ServeProcess.StartAsync(Env());
        foreach (var tag in RubyTags)
        {
            var sha = ruby.Bottles[tag].Sha256;
            Assert.All(await _brew.VendorInstallAsync(serve.Url, serve.Url, "4.0.6", tag, sha), r => Assert.Equal((HttpStatusCode.OK, true), (r.Status, r.Verified)));
            // A domain that already ends in /v2 is used without doubling it.
            Assert.All(await _brew.VendorInstallAsync(new Uri(serve.Url, "/v2"), serve.Url, "4.0.6", tag, sha), r => Assert.Equal((HttpStatusCode.OK, true), (r.Status, r.Verified)));
        }
        Assert.All(await _brew.VendorInstallAsync(serve.Url, serve.Url, "4.0.5", "arm64_big_sur", old.Bottles["arm64_big_sur"].Sha256),
            r => Assert.Equal(HttpStatusCode.NotFound, r.Status));

        var again = await CliHarness.RunAsync(Env(), "sync", "--date", "2025-07-22");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("portable Ruby 4.0.6: 0 bottles to fetch", again.Error);
    }

    [Fact]
    public async Task Prune_KeepsTheNamedVersion_RemovesOneNoLongerNamed()
    {
        _h.Server.SetRegistryImages([Ruby("4.0.6", 0)]);
        Assert.Equal(0, (await CliHarness.RunAsync(Env(), "sync", "--date", "2025-07-21")).ExitCode);
        _h.Server.SetRegistryImages([Ruby("4.0.6", 0), Ruby("4.0.7", 3)]);
        Assert.Equal(0, (await CliHarness.RunAsync(Env(), "sync", "--date", "2025-07-28")).ExitCode);

        var prune = await CliHarness.RunAsync(Env(), "prune", "--keep-days", "0");

        Assert.True(prune.ExitCode == 0, prune.Error + prune.Out);
        var entries = HashFileEntries();
        Assert.All(RubyTags, t => Assert.Contains($"portable-ruby-4.0.7-{t}", entries.Keys));
        Assert.DoesNotContain(entries.Keys, k => k.StartsWith("portable-ruby-4.0.6", StringComparison.Ordinal));
        Assert.All(RubyTags, t => Assert.False(File.Exists(_h.PathOf($"2025-07-21/portable-ruby-4.0.6.{t}.bottle.tar.gz"))));
        Assert.All(RubyTags, t => Assert.True(File.Exists(_h.PathOf($"2025-07-28/portable-ruby-4.0.7.{t}.bottle.tar.gz"))));
        Assert.True(File.Exists(_h.PathOf("manifests/portable-ruby/4.0.7.json")));
        Assert.False(File.Exists(_h.PathOf("manifests/portable-ruby/4.0.6.json")));
        // The formula bottles the target resolves to stay.
        Assert.Contains("jq-1.7.1-arm64_sonoma", entries.Keys);
    }

    [Fact]
    public async Task Sync_RegistryWithoutTheImage_OneWarningAndExitCodeUnchanged()
    {
        var sync = await CliHarness.RunAsync(Env(), "sync", "--date", "2025-07-21");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Single(sync.Error.Split('\n'), l => l.Contains("portable Ruby not mirrored", StringComparison.Ordinal));
        Assert.DoesNotContain(HashFileEntries().Keys, k => k.StartsWith("portable-ruby", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--no-portable-ruby")]
    [InlineData("MIRROR_PORTABLE_RUBY=false")]
    public async Task Sync_PortableRubyTurnedOff_AsksAndStoresNothingOfIt(string how)
    {
        _h.Server.SetRegistryImages([Ruby("4.0.6", 0)]);
        var env = Env();
        var args = new List<string> { "sync", "--date", "2025-07-21" };
        if (how.StartsWith("--", StringComparison.Ordinal))
        {
            args.Add(how);
        }
        else
        {
            env[how.Split('=')[0]] = how.Split('=')[1];
        }

        var sync = await CliHarness.RunAsync(env, [.. args]);

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.DoesNotContain("portable", sync.Out + sync.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(HashFileEntries().Keys, k => k.StartsWith("portable-ruby", StringComparison.Ordinal));
    }
}
