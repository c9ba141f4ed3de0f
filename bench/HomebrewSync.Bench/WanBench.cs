using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using HomebrewSync.Contracts;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

namespace HomebrewSync.Bench;

/// <summary>
/// The registry across a WAN: the fake upstream waits before every response's first byte and sends each body at a
/// per-connection rate. <c>sync</c> with its defaults (a process, start to exit) next to plain parallel fetches of
/// the same URLs (token, redirect, body to a file; no planning, verification or storing) at the given concurrencies,
/// among them the sync's own (32, the floor), and the sync's fixed cost: process start to its first blob request.
/// </summary>
internal static class WanBench
{
    public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(40);
    public const long BytesPerSecond = 8L * 1024 * 1024;
    public static readonly int SyncConcurrency = Settings.MaxConcurrentDownloads.Default!.Value;

    /// <param name="NoopRuns">Re-runs with nothing new (their median is reported); 0 for none.</param>
    /// <param name="Rounds">First syncs and plain fetches, taken in turn; each figure is the median of its rounds.</param>
    public sealed record Profile(int Bottles, long MinSize, long MaxSize, int[] PlainConcurrencies, int NoopRuns, int Rounds);

    /// <summary>200 bottles of 0.2-1.9 MB: the 10-way and best plain fetch, and the no-op re-run.</summary>
    public static Profile Large(int bottles) => new(bottles, 200_000, 1_900_000, [10, 16, 32, 64], 3, 1);

    /// <summary>
    /// 1,500 bottles of 20-150 KB (about 128 MB, most of brew's are small): latency-bound, against the fetch at the sync's
    /// concurrency, three rounds (the two differ by a few percent, less than one draw's spread).
    /// </summary>
    public static Profile Many(int bottles) => new(bottles, 20_000, 150_000, [SyncConcurrency], 0, 3);

    public sealed record Result(int Bottles, long Bytes, int Rounds, double SyncSeconds, double FixedSeconds, double NoopSeconds, IReadOnlyDictionary<int, double> Plain)
    {
        public double Plain10Seconds => Plain.TryGetValue(10, out var s) ? s : double.NaN;
        public double SameConcurrencySeconds => Plain[SyncConcurrency];
        public KeyValuePair<int, double> Best => Plain.MinBy(kv => kv.Value);

        /// <summary>Sync time over the 10-way fetch's (lower is better).</summary>
        public double Ratio => SyncSeconds / Plain10Seconds;

        /// <summary>The sync's speed as a share of the same-concurrency fetch's (higher is better; 1.0 is the floor's speed).</summary>
        public double SpeedRatio => SameConcurrencySeconds / SyncSeconds;
    }

    public static async Task<Result> RunAsync(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var random = new Random(11);
        var formulae = Enumerable.Range(0, profile.Bottles)
            .Select(i => new FormulaBuilder($"wan{i:0000}").WithBottle("monterey", BlobContent.Create(random.NextInt64(profile.MinSize, profile.MaxSize), (ulong)(i + 5_000))).Build())
            .ToArray();
        var bytes = formulae.Sum(f => f.Bottles["monterey"].Length);
        await using var server = await FakeHomebrewServer.StartAsync(formulae);
        server.ResponseDelay = Latency;
        server.ThrottleBytesPerSecond = BytesPerSecond;
        var urls = formulae.Select(f => server.BlobUrl(f, "monterey")).ToArray();
        var env = Measure.Env(server, ("TARGET_PLATFORMS", "monterey"));

        // A warm-up of both paths (JIT, connections), outside the timings.
        await Measure.CliAsync(env, "sync", "--store", Measure.TempDir("wan-warm"), "--no-progress", "--formula", formulae[0].Name);
        await PlainFetchAsync(urls.Take(10).ToArray(), server.Token, 10);

        var syncs = new List<double>();
        var fixedCosts = new List<double>();
        var noop = double.NaN;
        var plains = profile.PlainConcurrencies.ToDictionary(c => c, _ => new List<double>());
        for (var round = 0; round < profile.Rounds; round++)
        {
            var store = Measure.TempDir("wan-store");
            await Measure.FlushPageCacheAsync();
            server.ClearFirstBlobRequest();
            var started = Stopwatch.GetTimestamp();
            var sync = await Measure.CliAsync(env, "sync", "--store", store, "--no-progress");
            if (sync.ExitCode != 0)
            {
                throw new InvalidOperationException("WAN sync failed: " + sync.Stderr);
            }
            syncs.Add(sync.Wall.TotalSeconds);
            fixedCosts.Add(Stopwatch.GetElapsedTime(started, server.FirstBlobRequestAt).TotalSeconds);
            if (round == 0)
            {
                noop = await NoopAsync(env, store, profile.NoopRuns);
            }
            Directory.Delete(store, true);

            foreach (var c in profile.PlainConcurrencies)
            {
                await Measure.FlushPageCacheAsync();
                plains[c].Add(await PlainFetchAsync(urls, server.Token, c));
            }
        }
        return new Result(profile.Bottles, bytes, profile.Rounds, Median(syncs), Median(fixedCosts), noop, plains.ToDictionary(kv => kv.Key, kv => Median(kv.Value)));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The re-run with nothing new: the median of <paramref name="runs"/>, each checked to transfer nothing.</summary>
    private static async Task<double> NoopAsync(Dictionary<string, string?> env, string store, int runs)
    {
        var noops = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var noop = await Measure.CliAsync(env, "sync", "--store", store, "--no-progress", "--json");
            using var doc = System.Text.Json.JsonDocument.Parse(noop.Stdout);
            if (noop.ExitCode != 0 || doc.RootElement.GetProperty("bytes_transferred").GetInt64() != 0)
            {
                throw new InvalidOperationException("the WAN re-run transferred bottles again: " + noop.Stderr);
            }
            noops.Add(noop.Wall.TotalSeconds);
        }
        noops.Sort();
        return noops.Count == 0 ? double.NaN : noops[noops.Count / 2];
    }

    /// <summary>GET with the token, follow the redirect without it, write the body: the same requests a sync makes for the bottles.</summary>
    private static async Task<double> PlainFetchAsync(IReadOnlyList<string> urls, string token, int concurrency)
    {
        var dir = Measure.TempDir("wan-plain-" + concurrency.ToString(CultureInfo.InvariantCulture));
        var sw = Stopwatch.StartNew();
        using (var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = concurrency * 2 }))
        {
            await Parallel.ForEachAsync(urls.Select((u, i) => (u, i)), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (x, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, x.u);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var redirect = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                using var response = await http.GetAsync(redirect.Headers.Location!, HttpCompletionOption.ResponseHeadersRead, ct);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync(ct);
                await using var file = new FileStream(Path.Combine(dir, $"{x.i}.tar.gz"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await body.CopyToAsync(file, 128 * 1024, ct);
            });
        }
        var seconds = sw.Elapsed.TotalSeconds;
        Directory.Delete(dir, true);
        return seconds;
    }
}
