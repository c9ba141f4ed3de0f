using System.Text.Json;
using HomebrewSync.Cli;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

namespace HomebrewSync.Bench;

/// <summary>
/// <c>plan</c> against a generated catalog at real scale (7,000 formulae, 6 tags, ~30 MB) and a hash file of
/// 20,000 entries, next to the floor: fetching and parsing the same file and nothing else.
/// </summary>
internal static class PlanningBench
{
    public static readonly string[] Tags = ["arm64_sequoia", "arm64_sonoma", "arm64_ventura", "sonoma", "ventura", "x86_64_linux"];
    public static readonly string[] Targets = ["arm64_sonoma", "arm64_ventura", "sonoma"];

    public static readonly TimeSpan SizingLatency = TimeSpan.FromMilliseconds(100);

    public sealed record Result(int Formulae, long CatalogBytes, int HashEntries, int Planned, double PlanSeconds, double ParseSeconds, long PlanPeakRss, double RerunSeconds, long RerunBytes,
        int SizedVersions, double SizingSeconds)
    {
        public double Ratio => PlanSeconds / ParseSeconds;
    }

    public static async Task<Result> RunAsync(int formulaeCount)
    {
        var random = new Random(42);
        var formulae = Enumerable.Range(0, formulaeCount).Select(i =>
        {
            var name = (i % 25) switch { 0 => $"lib{i}@{i % 5 + 1}", 1 => $"tool{i}+plus", 2 => $"python@3.{i % 13}-x{i}", _ => $"formula-{i}" };
            var b = new FormulaBuilder(name).WithVersion($"{i % 30}.{i % 7}.{i % 11}", i % 9 == 0 ? i % 3 + 1 : 0).WithRebuild(i % 13 == 0 ? 1 : 0).WithNoise(2600);
            foreach (var tag in Tags)
            {
                b.WithBottle(tag, BlobContent.Create(random.Next(256, 2048), (ulong)(i * 16 + Array.IndexOf(Tags, tag) + 1_000_000)));
            }
            return b.Build();
        }).ToArray();
        await using var server = await FakeHomebrewServer.StartAsync(formulae);
        using var http = new HttpClient();
        var catalogBytes = (await http.GetByteArrayAsync(server.ApiUrl)).LongLength;

        // The hash file already holds 20,000 of the 21,000 target bottles: a weekly run plans the rest.
        var keys = formulae.SelectMany(f => Targets.Select(t => (f, t))).ToArray();
        var store = Measure.TempDir("plan-store");
        var hashEntries = keys.Length * 20 / 21;
        await WriteHashFileAsync(store, keys.Take(hashEntries));
        var env = Measure.Env(server, ("TARGET_PLATFORMS", string.Join(',', Targets)), ("HOMEBREW_SYNC_STORE", store));

        // Floor: the same bytes over the same HTTP, every token read, nothing built. Each is run once first (its code made
        // ready), then the two in turn five times, each the median of its five: both measured warm and under the same
        // conditions (the floor measured first and cold read up to four times slower than warm).
        async Task Parse()
        {
            await using var body = await http.GetStreamAsync(server.ApiUrl);
            await foreach (var _ in FormulaCatalogReader.ReadAsync(body, long.MaxValue, null, CancellationToken.None))
            {
            }
        }
        var planned = 0;
        async Task Plan()
        {
            using var o = new StringWriter();
            using var e = new StringWriter();
            var code = await CliApp.RunAsync(["plan", "--json"], env, new CliConsole(o, e, false), TimeProvider.System, CancellationToken.None);
            if (code != 0)
            {
                throw new InvalidOperationException("plan failed: " + e);
            }
            using var doc = JsonDocument.Parse(o.ToString());
            planned = doc.RootElement.GetProperty("bottles").GetInt32();
        }
        await Parse();
        await Plan();
        var parses = new List<TimeSpan>();
        var plans = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            parses.Add(await Measure.TimeAsync(Parse));
            plans.Add(await Measure.TimeAsync(Plan));
        }
        var parse = parses.Order().ElementAt(2);
        var plan = plans.Order().ElementAt(2);
        var child = await Measure.CliAsync(env, "plan");
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException("plan (child) failed: " + child.Stderr);
        }

        // Nothing new: every target bottle recorded.
        await WriteHashFileAsync(store, keys);
        var before = server.BytesServed;
        long rerunBytes = -1;
        var rerun = await Measure.MedianAsync(3, async () =>
        {
            using var o = new StringWriter();
            using var e = new StringWriter();
            var code = await CliApp.RunAsync(["sync", "--json"], env, new CliConsole(o, e, false), TimeProvider.System, CancellationToken.None);
            using var doc = JsonDocument.Parse(o.ToString());
            rerunBytes = code == 0 ? doc.RootElement.GetProperty("bytes_transferred").GetInt64() : -1;
        });
        Directory.Delete(store, true);

        // Sizing at registry latency: a first plan (empty store) asks for one image index per formula version,
        // each answered after SizingLatency.
        var empty = Measure.TempDir("plan-empty");
        env["HOMEBREW_SYNC_STORE"] = empty;
        server.ResponseDelay = SizingLatency;
        var indexRequests = server.IndexRequests;
        var sizing = System.Diagnostics.Stopwatch.StartNew();
        using (var o = new StringWriter())
        using (var e = new StringWriter())
        {
            var code = await CliApp.RunAsync(["plan", "--json"], env, new CliConsole(o, e, false), TimeProvider.System, CancellationToken.None);
            if (code != 0)
            {
                throw new InvalidOperationException("plan at latency failed: " + e);
            }
        }
        var sizingSeconds = sizing.Elapsed.TotalSeconds;
        var sized = server.IndexRequests - indexRequests;
        server.ResponseDelay = TimeSpan.Zero;
        Directory.Delete(empty, true);
        return new Result(formulae.Length, catalogBytes, hashEntries, planned, plan.TotalSeconds, parse.TotalSeconds, child.PeakRssBytes, rerun.TotalSeconds,
            rerunBytes + (server.BytesServed - before), sized, sizingSeconds);
    }

    private static async Task WriteHashFileAsync(string store, IEnumerable<(FakeFormula F, string Tag)> bottles)
    {
        var hashFile = new HashFile(lastUpdated: DateTimeOffset.UtcNow);
        foreach (var (f, tag) in bottles)
        {
            var blob = f.Bottles[tag];
            hashFile.Set(f.Key(tag), new HashEntry(blob.Sha256, new DateOnly(2025, 7, 14), blob.Length, f.Name, f.Version, tag,
                $"https://ghcr.io/v2/homebrew/core/{f.Image}/blobs/sha256:{blob.Sha256}", $"2025-07-14/{f.FileName(tag)}"));
        }
        var local = new HomebrewSync.Adapters.Files.LocalFolderStore(store, TimeProvider.System);
        var current = await local.ReadHashFileAsync(CancellationToken.None);
        await local.WriteHashFileAsync(hashFile, current?.Version, CancellationToken.None);
    }
}
