using System.Diagnostics;
using System.Globalization;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

namespace HomebrewSync.Bench;

/// <summary>
/// <c>serve</c> next to nginx over the same synced mirror: nginx (2 workers, sendfile, access log on) reads hard links
/// laid under brew's URL paths, <c>serve</c> (access log on, to a file) reads the store. wrk (2 threads, random paths
/// from a Lua script) asks each for brew's manifest GETs and for bottle GETs, the two servers taking turns over several
/// rounds. Where nginx or wrk is missing the rows say so.
/// </summary>
internal static class ServingBench
{
    public const int ManifestConnections = 64;
    public const int BottleConnections = 32;
    public const string Tag = "monterey";

    public sealed record Result(string? Missing, int Bottles, long Bytes, double Seconds, Wrk.Load? NginxManifests, Wrk.Load? ServeManifests, Wrk.Load? NginxBottles, Wrk.Load? ServeBottles, long ServeRss)
    {
        public double ManifestRatio => (ServeManifests?.RequestsPerSecond ?? double.NaN) / (NginxManifests?.RequestsPerSecond ?? double.NaN);
        public double BottleRatio => (ServeBottles?.MegabytesPerSecond ?? double.NaN) / (NginxBottles?.MegabytesPerSecond ?? double.NaN);
        public double ManifestP99Ratio => (ServeManifests?.P99Ms ?? double.NaN) / (NginxManifests?.P99Ms ?? double.NaN);
        public double BottleP99Ratio => (ServeBottles?.P99Ms ?? double.NaN) / (NginxBottles?.P99Ms ?? double.NaN);
    }

    public static async Task<Result> RunAsync(int bottles, TimeSpan duration)
    {
        var missing = new[] { "nginx", "wrk" }.Where(t => Tools.Find(t) is null).ToArray();
        if (missing.Length > 0)
        {
            return new Result(string.Join(" and ", missing) + " missing (scripts/install-test-tools.sh installs them)", bottles, 0, duration.TotalSeconds, null, null, null, null, 0);
        }
        var random = new Random(23);
        var formulae = Enumerable.Range(0, bottles)
            .Select(i => new FormulaBuilder($"srv{i:0000}").WithBottle(Tag, BlobContent.Create(random.NextInt64(20_000, 2_000_000), (ulong)(i + 9_000))).Build())
            .ToArray();
        var store = Measure.TempDir("serve-store");
        await using (var upstream = await FakeHomebrewServer.StartAsync(formulae))
        {
            var sync = await Measure.CliAsync(Measure.Env(upstream, ("TARGET_PLATFORMS", Tag)), "sync", "--store", store, "--no-progress");
            if (sync.ExitCode != 0)
            {
                throw new InvalidOperationException("the serving profile's sync failed: " + sync.Stderr);
            }
        }
        var work = Measure.TempDir("serve-work");
        var layout = await BrewLayout.LinkAsync(store, Path.Combine(work, "root"));
        var manifestPaths = Wrk.Script(Path.Combine(work, "manifests.lua"), layout.ManifestPaths,
            ("Accept", "application/vnd.oci.image.index.v1+json"), ("Authorization", "Bearer QQ=="));
        var bottlePaths = Wrk.Script(Path.Combine(work, "bottles.lua"), layout.BottlePaths);

        // Both servers up at once (an idle one costs nothing), then the same load on each in turn, Rounds times: whatever
        // else the machine does drifts over both alike, and each row is the median of its rounds, not one draw.
        Wrk.Load nginxManifests, nginxBottles, serveManifests, serveBottles;
        long rss;
        await using (var nginx = await NginxProcess.StartAsync(work, Path.Combine(work, "root")))
        await using (var serve = await ServeChild.StartAsync(store, Path.Combine(work, "serve-access.log")))
        {
            (nginxManifests, serveManifests) = await InTurnAsync(nginx.Url, serve.Url, manifestPaths, ManifestConnections, duration, l => l.RequestsPerSecond);
            (nginxBottles, serveBottles) = await InTurnAsync(nginx.Url, serve.Url, bottlePaths, BottleConnections, duration, l => l.MegabytesPerSecond);
            rss = serve.Rss();
        }
        Directory.Delete(work, true);
        Directory.Delete(store, true);
        return new Result(null, bottles, formulae.Sum(f => f.Bottles[Tag].Length), duration.TotalSeconds, nginxManifests, serveManifests, nginxBottles, serveBottles, rss);
    }

    /// <summary>How many times each server is measured under each load, taking turns.</summary>
    public const int Rounds = 3;

    /// <summary>One warm-up each, then nginx and serve in turn <see cref="Rounds"/> times; each side's median round by <paramref name="throughput"/>.</summary>
    private static async Task<(Wrk.Load Nginx, Wrk.Load Serve)> InTurnAsync(Uri nginx, Uri serve, string script, int connections, TimeSpan duration, Func<Wrk.Load, double> throughput)
    {
        await Wrk.WarmUpAsync(nginx, script, connections);
        await Wrk.WarmUpAsync(serve, script, connections);
        var n = new List<Wrk.Load>();
        var s = new List<Wrk.Load>();
        for (var i = 0; i < Rounds; i++)
        {
            n.Add(await Wrk.RunOnceAsync(nginx, script, connections, duration));
            s.Add(await Wrk.RunOnceAsync(serve, script, connections, duration));
        }
        return (Median(n, throughput), Median(s, throughput));
    }

    private static Wrk.Load Median(List<Wrk.Load> rounds, Func<Wrk.Load, double> throughput) => rounds.OrderBy(throughput).ElementAt(rounds.Count / 2) with
    {
        // Errors are never a median's: every round's count.
        Errors = rounds.Sum(l => l.Errors),
    };

    /// <summary>brew's URL paths as hard links to the store's files: <c>/&lt;file&gt;</c> and <c>/&lt;image&gt;/manifests/&lt;ref&gt;</c>.</summary>
    private static class BrewLayout
    {
        public sealed record Paths(IReadOnlyList<string> BottlePaths, IReadOnlyList<string> ManifestPaths);

        public static async Task<Paths> LinkAsync(string store, string root)
        {
            var links = new List<(string From, string To)>();
            var bottles = new List<string>();
            var manifests = new List<string>();
            foreach (var dated in Directory.EnumerateDirectories(store).Where(d => System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(d), @"^\d{4}-\d{2}-\d{2}$")))
            {
                foreach (var file in Directory.EnumerateFiles(dated, "*.tar.gz"))
                {
                    links.Add((file, Path.Combine(root, Path.GetFileName(file))));
                    bottles.Add("/" + Uri.EscapeDataString(Path.GetFileName(file)));
                }
            }
            var indexes = Path.Combine(store, "manifests");
            foreach (var file in Directory.EnumerateFiles(indexes, "*.json", SearchOption.AllDirectories))
            {
                var image = Path.GetRelativePath(indexes, Path.GetDirectoryName(file)!).Replace('\\', '/');
                var reference = Path.GetFileNameWithoutExtension(file);
                links.Add((file, Path.Combine(root, image, "manifests", reference)));
                manifests.Add($"/{image}/manifests/{reference}");
            }
            var script = Path.Combine(Path.GetDirectoryName(root)!, "link.sh");
            await File.WriteAllLinesAsync(script, links.Select(l => $"mkdir -p '{Path.GetDirectoryName(l.To)}' && ln '{l.From}' '{l.To}'").Prepend("set -e"));
            await Tools.RunAsync("sh", script);
            return new Paths(bottles, manifests);
        }
    }

    /// <summary><c>homebrew-sync serve</c> as a child process, its access log (standard error) written to a file by the shell.</summary>
    private static class ServeChild
    {
        public static async Task<ServerProcess> StartAsync(string store, string accessLog)
        {
            var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"exec '{Measure.CliExecutable}' serve --store '{store}' --listen http://127.0.0.1:0 2>'{accessLog}'");
            var process = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                const string prefix = "export HOMEBREW_BOTTLE_DOMAIN=";
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return new ServerProcess(process, new Uri(line[prefix.Length..]));
                }
            }
            throw new InvalidOperationException("serve did not start: " + await File.ReadAllTextAsync(accessLog));
        }
    }
}
