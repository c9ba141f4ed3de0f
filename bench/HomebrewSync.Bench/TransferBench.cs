using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

namespace HomebrewSync.Bench;

/// <summary>
/// A few hundred bottles (mixed sizes, one large) from the fake registry into a local folder and into the
/// S3 test server, next to the physical floor of each: the same bytes by a plain parallel copy with the
/// same concurrency and no verification (for S3, uploaded with the plain AWS SDK).
/// </summary>
internal static class TransferBench
{
    public const int Concurrency = 10;
    private const long PartSize = 8 * 1024 * 1024;

    public sealed record Result(int Bottles, long Bytes, long LargestBottle,
        double LocalSeconds, double LocalWallSeconds, double LocalBaselineSeconds, long LocalPeakRss,
        double S3Seconds, double S3WallSeconds, double S3BaselineSeconds, long S3PeakRss)
    {
        public double LocalRatio => LocalBaselineSeconds / LocalSeconds;
        public double S3Ratio => S3BaselineSeconds / S3Seconds;
    }

    public static async Task<Result> RunAsync(int bottles, long largeSize)
    {
        var random = new Random(7);
        var formulae = Enumerable.Range(0, bottles - 1)
            .Select(i => new FormulaBuilder($"bottle{i:000}").WithBottle("monterey", BlobContent.Create(random.NextInt64(50_000, 6_000_000), (ulong)(i + 10))).Build())
            .Append(new FormulaBuilder("huge").WithBottle("monterey", BlobContent.Create(largeSize, 99)).Build())
            .ToArray();
        var bytes = formulae.Sum(f => f.Bottles["monterey"].Length);
        await using var server = await FakeHomebrewServer.StartAsync(formulae);
        var urls = formulae.Select(f => server.BlobUrl(f, "monterey")).ToArray();
        var env = Measure.Env(server, ("TARGET_PLATFORMS", "monterey"), ("MAX_CONCURRENT_DOWNLOADS", Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        // Local folder: throughput in-process after a warm-up (as the raw copy is), peak memory in a child process.
        // Each timed run starts with the page cache's dirty pages written back, so one run's writes do not slow the next.
        await InProcessSyncAsync(env, Measure.TempDir("warm-up"), "--formula", string.Join(',', formulae.Take(3).Select(f => f.Name)));
        // Three rounds, the raw copy and the sync alternating, each the median of its three: the page cache and
        // the disk vary more between runs than the two paths differ.
        var raws = new List<double>();
        var syncs = new List<double>();
        string store;
        for (var round = 0; round < 3; round++)
        {
            var copyDir = Measure.TempDir("local-copy");
            await Measure.FlushPageCacheAsync();
            var baseline = Stopwatch.StartNew();
            using (var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = Concurrency * 2 }))
            {
                await Parallel.ForEachAsync(urls.Select((u, i) => (u, i)), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (x, ct) =>
                    await RawCopyAsync(http, x.u, Path.Combine(copyDir, $"{x.i}.tar.gz"), server.Token, ct));
            }
            raws.Add(baseline.Elapsed.TotalSeconds);
            Directory.Delete(copyDir, true);
            store = Measure.TempDir("local-store");
            await Measure.FlushPageCacheAsync();
            syncs.Add(await InProcessSyncAsync(env, store));
            Directory.Delete(store, true);
        }
        raws.Sort();
        syncs.Sort();
        var localBaseline = raws[1];
        var localSeconds = syncs[1];
        store = Measure.TempDir("local-store-child");
        await Measure.FlushPageCacheAsync();
        var local = await Measure.CliAsync(env, "sync", "--store", store, "--json", "--no-progress");
        TransferSeconds(local.ExitCode, local.Stdout, local.Stderr);
        Directory.Delete(store, true);

        // S3 test server, both through the same endpoint.
        await using var s3 = await MotoServer.StartAsync();
        var ours = await s3.CreateBucketAsync("bench-ours");
        var temp = Measure.TempDir("s3-staging");
        foreach (var (k, v) in s3.Environment())
        {
            env[k] = v;
            // The SDK's default credential chain reads the process environment, for the in-process run.
            Environment.SetEnvironmentVariable(k, v);
        }
        env["TEMP_DIR"] = temp;
        await Measure.FlushPageCacheAsync();
        var s3Seconds = await InProcessSyncAsync(env, $"s3://{ours}");
        var viaS3 = await Measure.CliAsync(env, "sync", "--store", $"s3://{await s3.CreateBucketAsync("bench-ours-child")}", "--json", "--no-progress");
        TransferSeconds(viaS3.ExitCode, viaS3.Stdout, viaS3.Stderr);
        var plain = await s3.CreateBucketAsync("bench-plain");
        await Measure.FlushPageCacheAsync();
        var s3Baseline = Stopwatch.StartNew();
        using (var client = s3.CreateClient())
        using (var transfer = new TransferUtility(client))
        using (var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = Concurrency * 2 }))
        {
            await Parallel.ForEachAsync(urls.Select((u, i) => (u, i)), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (x, ct) =>
            {
                var file = Path.Combine(temp, $"plain-{x.i}.tar.gz");
                await RawCopyAsync(http, x.u, file, server.Token, ct);
                if (new FileInfo(file).Length < PartSize)
                {
                    await client.PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = $"{x.i}.tar.gz", FilePath = file }, ct);
                }
                else
                {
                    await transfer.UploadAsync(new TransferUtilityUploadRequest { BucketName = plain, Key = $"{x.i}.tar.gz", FilePath = file, PartSize = PartSize }, ct);
                }
                File.Delete(file);
            });
        }
        var s3BaselineSeconds = s3Baseline.Elapsed.TotalSeconds;
        Directory.Delete(temp, true);
        return new Result(formulae.Length, bytes, largeSize,
            localSeconds, local.Wall.TotalSeconds, localBaseline, local.PeakRssBytes,
            s3Seconds, viaS3.Wall.TotalSeconds, s3BaselineSeconds, viaS3.PeakRssBytes);
    }

    /// <summary>The floor: GET with the token, follow the redirect without it, write the bytes. No hashing, no staging, no retries.</summary>
    private static async Task RawCopyAsync(HttpClient http, string url, string path, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var redirect = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        using var response = await http.GetAsync(redirect.Headers.Location!, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await body.CopyToAsync(file, 128 * 1024, ct);
    }

    private static async Task<double> InProcessSyncAsync(IReadOnlyDictionary<string, string?> env, string store, params string[] more)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        string[] args = ["sync", "--store", store, "--json", "--no-progress", .. more];
        var code = await HomebrewSync.Cli.CliApp.RunAsync(args, env, new HomebrewSync.Cli.CliConsole(o, e, false), TimeProvider.System, CancellationToken.None);
        return TransferSeconds(code, o.ToString(), e.ToString());
    }

    private static double TransferSeconds(int exitCode, string stdout, string stderr)
    {
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"sync exited {exitCode}: {stderr}");
        }
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.GetProperty("duration_seconds").GetDouble();
    }
}
