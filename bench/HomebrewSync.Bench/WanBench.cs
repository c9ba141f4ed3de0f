using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

namespace HomebrewSync.Bench;

/// <summary>
/// The registry across a WAN: the fake upstream waits before every response's first byte and sends each body at a
/// per-connection rate. <c>sync</c> with its defaults (a process, start to exit) next to plain parallel fetches of
/// the same URLs (token, redirect, body to a file; no planning, verification or storing): at concurrency 10, and the
/// best over a few concurrencies, the practical limit of the link.
/// </summary>
internal static class WanBench
{
    public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(40);
    public const long BytesPerSecond = 8L * 1024 * 1024;
    public static readonly int[] PlainConcurrencies = [10, 16, 32, 64];

    public sealed record Result(int Bottles, long Bytes, double SyncSeconds, double NoopSeconds, double Plain10Seconds, double BestPlainSeconds, int BestConcurrency)
    {
        public double Ratio => SyncSeconds / Plain10Seconds;
    }

    public static async Task<Result> RunAsync(int bottles)
    {
        var random = new Random(11);
        var formulae = Enumerable.Range(0, bottles)
            .Select(i => new FormulaBuilder($"wan{i:000}").WithBottle("monterey", BlobContent.Create(random.NextInt64(200_000, 1_900_000), (ulong)(i + 5_000))).Build())
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

        var store = Measure.TempDir("wan-store");
        await Measure.FlushPageCacheAsync();
        var sync = await Measure.CliAsync(env, "sync", "--store", store, "--no-progress");
        if (sync.ExitCode != 0)
        {
            throw new InvalidOperationException("WAN sync failed: " + sync.Stderr);
        }
        // The re-run: the median of three.
        var noops = new List<double>();
        for (var i = 0; i < 3; i++)
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
        Directory.Delete(store, true);

        var plain = new Dictionary<int, double>();
        foreach (var c in PlainConcurrencies)
        {
            await Measure.FlushPageCacheAsync();
            plain[c] = await PlainFetchAsync(urls, server.Token, c);
        }
        var best = plain.MinBy(kv => kv.Value);
        return new Result(bottles, bytes, sync.Wall.TotalSeconds, noops[1], plain[10], best.Value, best.Key);
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
