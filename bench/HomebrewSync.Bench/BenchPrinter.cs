namespace HomebrewSync.Bench;

/// <summary>The report as a table on standard output: each profile that ran, then every target with met or MISSED.</summary>
internal static class BenchPrinter
{
    private const double MB = 1024 * 1024;

    public static void Print(BenchReport r)
    {
        Console.WriteLine($"HomebrewSync benchmark, {r.At:yyyy-MM-dd HH:mm} UTC, {r.Machine}; {r.Load}");
        if (r.Planning is { } p)
        {
            Planning(p);
        }
        if (r.Transfer is { } t)
        {
            Transfer(t);
        }
        foreach (var w in new[] { r.Wan, r.WanMany }.OfType<WanBench.Result>())
        {
            Wan(w);
        }
        if (r.Serving is { } s)
        {
            Serving(s);
        }
        Console.WriteLine();
        Console.WriteLine("Targets:");
        foreach (var target in r.Targets)
        {
            Console.WriteLine($"  [{target.Status}] {target.Target}: {target.Measured}");
        }
    }

    private static void Planning(PlanningBench.Result p)
    {
        Console.WriteLine();
        Console.WriteLine($"Planning: {p.Formulae:N0} formulae, catalog {p.CatalogBytes / MB:0.0} MB, hash file {p.HashEntries:N0} entries, {p.Planned:N0} bottles planned");
        Console.WriteLine($"  {"parse only (floor)",-34} {p.ParseSeconds,8:0.000} s");
        Console.WriteLine($"  {"plan",-34} {p.PlanSeconds,8:0.000} s   {p.Ratio:0.00}x the floor, peak {p.PlanPeakRss / MB:0} MB (child process)");
        Console.WriteLine($"  {"re-run with nothing new (sync)",-34} {p.RerunSeconds,8:0.000} s   {p.RerunBytes} bytes transferred");
        Console.WriteLine($"  {$"first plan at {PlanningBench.SizingLatency.TotalMilliseconds:0} ms latency",-34} {p.SizingSeconds,8:0.000} s   {p.SizedVersions:N0} image indexes (sizing)");
    }

    private static void Transfer(TransferBench.Result t)
    {
        Console.WriteLine();
        Console.WriteLine($"Transfer: {t.Bottles} bottles, {t.Bytes / MB:0} MB, the largest {t.LargestBottle / MB:0} MB, concurrency {TransferBench.Concurrency}");
        Console.WriteLine($"  {"",-34} {"seconds",8} {"MB/s",8}  ratio   peak RSS");
        Row("raw parallel copy to a folder", t.LocalBaselineSeconds, t.Bytes, null, null);
        Row("raw copy + SHA-256 to a folder", t.LocalHashingBaselineSeconds, t.Bytes, null, null);
        Row("homebrew-sync into a folder", t.LocalSeconds, t.Bytes, t.LocalRatio, t.LocalPeakRss);
        Console.WriteLine($"  {"",-34} {"",8} {"",8}  {t.LocalHashingRatio:0.00}x the copy that hashes (for information)");
        var c = t.LocalCpu;
        Console.WriteLine($"  CPU seconds (user + system, the fake registry's included; {Environment.ProcessorCount} cores give {Environment.ProcessorCount} per second): raw copy {c.RawCopy:0.00},");
        Console.WriteLine($"   the copy that hashes {c.HashingCopy:0.00}, the sync {c.Sync:0.00} ({c.SyncProcess:0.00} its own process, {c.Registry:0.00} the registry; each the median of three)");
        Row("raw copy + plain SDK upload to S3", t.S3BaselineSeconds, t.Bytes, null, null);
        Row("homebrew-sync into S3", t.S3Seconds, t.Bytes, t.S3Ratio, t.S3PeakRss);
        Console.WriteLine("  (homebrew-sync rows: the installed CLI as its own process, start to exit, start-up and planning included; the raw copies");
        Console.WriteLine("   in the benchmark's process, warm; folder rows the median of three rounds taken in turn)");
    }

    private static void Wan(WanBench.Result w)
    {
        Console.WriteLine();
        Console.WriteLine($"WAN profile: {w.Bottles:N0} bottles, {w.Bytes / MB:0} MB, {WanBench.Latency.TotalMilliseconds:0} ms before each response, {WanBench.BytesPerSecond / MB:0} MB/s per connection");
        foreach (var (c, seconds) in w.Plain.OrderBy(kv => kv.Key))
        {
            Console.WriteLine($"  {$"plain fetch, {c} at once",-34} {seconds,8:0.00} s{(c == WanBench.SyncConcurrency ? "   (the sync's concurrency: the floor)" : "")}");
        }
        Console.WriteLine($"  {"homebrew-sync sync (defaults)",-34} {w.SyncSeconds,8:0.00} s   process start to exit; {w.SpeedRatio:0.00}x the speed of the fetch at {WanBench.SyncConcurrency}");
        Console.WriteLine($"  {"  fixed cost",-34} {w.FixedSeconds,8:0.00} s   process start to the first blob requested");
        if (!double.IsNaN(w.NoopSeconds))
        {
            Console.WriteLine($"  {"re-run with nothing new",-34} {w.NoopSeconds,8:0.00} s");
        }
        if (w.Rounds > 1)
        {
            Console.WriteLine($"  (each the median of {w.Rounds} rounds, a first sync and the plain fetch taking turns)");
        }
    }

    private static void Serving(ServingBench.Result s)
    {
        Console.WriteLine();
        Console.WriteLine($"Serving: {s.Bottles} bottles ({s.Bytes / MB:0} MB, 20 KB-2 MB) synced into a folder; nginx over hard links under brew's paths, serve over the store; wrk, {Wrk.Threads} threads, random paths");
        if (s.Missing is { } why)
        {
            Console.WriteLine($"  {why}: no serving rows");
            return;
        }
        Console.WriteLine($"  {"",-34} {"req/s",10} {"MB/s",8} {"p99 ms",8} {"errors",7}");
        Load($"nginx, manifests ({ServingBench.ManifestConnections} conns)", s.NginxManifests!);
        Load($"serve, manifests ({ServingBench.ManifestConnections} conns)", s.ServeManifests!);
        Load($"nginx, bottles ({ServingBench.BottleConnections} conns)", s.NginxBottles!);
        Load($"serve, bottles ({ServingBench.BottleConnections} conns)", s.ServeBottles!);
        Console.WriteLine($"  (each row the median of {ServingBench.Rounds} rounds of {s.Seconds:0} s, nginx and serve taking turns, errors summed over all;");
        Console.WriteLine($"   serve's RSS after the load: {s.ServeRss / MB:0} MB; both with their access log on, to a file)");
    }

    private static void Load(string name, Wrk.Load l) =>
        Console.WriteLine($"  {name,-34} {l.RequestsPerSecond,10:N0} {l.MegabytesPerSecond,8:N0} {l.P99Ms,8:0.00} {l.Errors,7}");

    private static void Row(string name, double seconds, long bytes, double? ratio, long? peak) =>
        Console.WriteLine($"  {name,-34} {seconds,8:0.00} {bytes / MB / seconds,8:0.0}  {(ratio is { } x ? $"{x:0.00}x" : "  -  "),-6}  {(peak is { } m ? $"{m / MB:0} MB" : "")}");
}
