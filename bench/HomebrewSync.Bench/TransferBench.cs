using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

namespace HomebrewSync.Bench;

/// <summary>
/// A few hundred bottles (mixed sizes, one large) from the fake registry into a local folder and into the
/// S3 test server, next to the physical floor of each: the same bytes by a plain parallel copy with the
/// same concurrency and no verification (for S3, uploaded with the plain AWS SDK). Beside the folder's floor, for
/// information, the same copy hashing what it writes (SHA-256), as the sync must: what verification itself costs here.
/// </summary>
internal static class TransferBench
{
    public const int Concurrency = 10;
    private const long PartSize = 8 * 1024 * 1024;

    /// <param name="LocalSeconds">The sync as its own process into a folder, start to exit: the median of three rounds.</param>
    /// <param name="LocalHashingBaselineSeconds">The raw copy into a folder that also hashes each body (SHA-256): the median of three.</param>
    /// <param name="S3Seconds">The sync as its own process into S3, start to exit.</param>
    /// <param name="LocalCpu">CPU seconds (user and system) of each folder row, the fake registry's included: the median of three.</param>
    public sealed record Result(int Bottles, long Bytes, long LargestBottle,
        double LocalSeconds, double LocalBaselineSeconds, double LocalHashingBaselineSeconds, long LocalPeakRss,
        double S3Seconds, double S3BaselineSeconds, long S3PeakRss, FolderCpu LocalCpu)
    {
        public double LocalRatio => LocalBaselineSeconds / LocalSeconds;
        public double LocalHashingRatio => LocalHashingBaselineSeconds / LocalSeconds;
        public double S3Ratio => S3BaselineSeconds / S3Seconds;
    }

    /// <summary>
    /// CPU seconds of the folder rows. The raw copies run in this process beside the fake registry, so theirs include the
    /// registry's; the sync's is its own process's (<paramref name="SyncProcess"/>) plus this process's over the same time
    /// (<paramref name="Registry"/>: the registry's share, and the benchmark's sampling of the child's memory).
    /// </summary>
    public sealed record FolderCpu(double RawCopy, double HashingCopy, double Sync, double SyncProcess, double Registry);

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

        // The sync as users run it: the installed CLI as its own process, start to exit (start-up, planning and the
        // finish included), next to the raw copy in this process. A small sync first warms the server (its code, its
        // connections). Each timed run starts with the page cache's dirty pages written back, so one run's writes
        // do not slow the next; three rounds, the raw copy, the raw copy that hashes and the sync in turn, each the
        // median of its three: the page cache and the disk vary more between runs than the paths differ.
        await SyncAsync(env, Measure.TempDir("warm-up"), "--formula", string.Join(',', formulae.Take(3).Select(f => f.Name)));
        var raws = new List<double>();
        var hashingRaws = new List<double>();
        var syncs = new List<double>();
        var cpu = new List<FolderCpu>();
        long localPeak = 0;
        for (var round = 0; round < 3; round++)
        {
            var (raw, rawCpu) = await RawCopyToFolderAsync(urls, server.Token, hash: false);
            raws.Add(raw);
            var (hashing, hashingCpu) = await RawCopyToFolderAsync(urls, server.Token, hash: true);
            hashingRaws.Add(hashing);
            var store = Measure.TempDir("local-store");
            await Measure.FlushPageCacheAsync();
            var before = CpuClock.Now();
            var sync = await SyncAsync(env, store);
            var used = CpuClock.Now() - before;
            syncs.Add(sync.Wall.TotalSeconds);
            cpu.Add(new FolderCpu(rawCpu, hashingCpu, used.Process + used.EndedChildren, used.EndedChildren, used.Process));
            localPeak = Math.Max(localPeak, sync.PeakRssBytes);
            Directory.Delete(store, true);
        }
        raws.Sort();
        hashingRaws.Sort();
        syncs.Sort();
        var localCpu = new FolderCpu(Median(cpu.Select(c => c.RawCopy)), Median(cpu.Select(c => c.HashingCopy)),
            Median(cpu.Select(c => c.Sync)), Median(cpu.Select(c => c.SyncProcess)), Median(cpu.Select(c => c.Registry)));

        // S3 test server, both through the same endpoint.
        await using var s3 = await MotoServer.StartAsync();
        var ours = await s3.CreateBucketAsync("bench-ours");
        var temp = Measure.TempDir("s3-staging");
        foreach (var (k, v) in s3.Environment())
        {
            env[k] = v;
        }
        env["TEMP_DIR"] = temp;
        await Measure.FlushPageCacheAsync();
        var viaS3 = await SyncAsync(env, $"s3://{ours}");
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
            syncs[1], raws[1], hashingRaws[1], localPeak,
            viaS3.Wall.TotalSeconds, s3BaselineSeconds, viaS3.PeakRssBytes, localCpu);
    }

    private static double Median(IEnumerable<double> values) => values.Order().ElementAt(1);

    /// <summary>
    /// Every URL into a fresh folder at the sync's concurrency, the page cache's dirty pages written back first: seconds, and
    /// this process's CPU seconds over that time (the copy's and the fake registry's).
    /// </summary>
    private static async Task<(double Seconds, double Cpu)> RawCopyToFolderAsync(IReadOnlyList<string> urls, string token, bool hash)
    {
        var copyDir = Measure.TempDir(hash ? "local-copy-hashing" : "local-copy");
        await Measure.FlushPageCacheAsync();
        var before = CpuClock.Now();
        var timer = Stopwatch.StartNew();
        using (var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = Concurrency * 2 }))
        {
            await Parallel.ForEachAsync(urls.Select((u, i) => (u, i)), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (x, ct) =>
                await RawCopyAsync(http, x.u, Path.Combine(copyDir, $"{x.i}.tar.gz"), token, ct, hash));
        }
        var seconds = timer.Elapsed.TotalSeconds;
        var cpu = (CpuClock.Now() - before).Process;
        Directory.Delete(copyDir, true);
        return (seconds, cpu);
    }

    /// <summary>
    /// The floor: GET with the token, follow the redirect without it, write the bytes. No staging, no retries, and no
    /// hashing unless <paramref name="hash"/>: then the same copy writes through SHA-256 (the digest unchecked).
    /// </summary>
    private static async Task RawCopyAsync(HttpClient http, string url, string path, string token, CancellationToken ct, bool hash = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var redirect = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        using var response = await http.GetAsync(redirect.Headers.Location!, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using var destination = hash ? new HashingStream(file) : (Stream)file;
        await body.CopyToAsync(destination, 128 * 1024, ct);
    }

    /// <summary>Hashes what is written (SHA-256), then passes it on.</summary>
    private sealed class HashingStream(Stream inner) : WriteOnlyStream(inner)
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _sha.AppendData(buffer.Span);
            return Inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _sha.AppendData(buffer, offset, count);
            Inner.Write(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _ = _sha.GetHashAndReset();
                _sha.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    private static async Task<Measure.ChildRun> SyncAsync(IReadOnlyDictionary<string, string?> env, string store, params string[] more)
    {
        var run = await Measure.CliAsync(env, ["sync", "--store", store, "--json", "--no-progress", .. more]);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"sync exited {run.ExitCode}: {run.Stderr}");
        }
        return run;
    }
}
