using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Bench;

internal sealed record BenchReport(
    DateTimeOffset At, string Machine, Dictionary<string, object> Settings,
    PlanningBench.Result Planning, TransferBench.Result Transfer, WanBench.Result Wan, IReadOnlyList<(string Target, string Measured, bool Met)> Targets)
{
    public bool AllTargetsMet => Targets.All(t => t.Met);
}

internal static class BenchRunner
{
    private const double MB = 1024 * 1024;

    public static async Task<BenchReport> RunAsync(bool quick)
    {
        var formulae = quick ? 1_000 : 7_000;
        var bottles = quick ? 60 : 300;
        var large = quick ? 128L << 20 : 1L << 30;
        Console.Error.WriteLine($"planning: {formulae:N0} formulae x {PlanningBench.Tags.Length} tags ...");
        var planning = await PlanningBench.RunAsync(formulae);
        Console.Error.WriteLine($"transfer: {bottles} bottles, the largest {large / MB:N0} MB ...");
        var transfer = await TransferBench.RunAsync(bottles, large);
        var wanBottles = quick ? 60 : 200;
        Console.Error.WriteLine($"WAN: {wanBottles} bottles at {WanBench.Latency.TotalMilliseconds:0} ms, {WanBench.BytesPerSecond / MB:0} MB/s per connection ...");
        var wan = await WanBench.RunAsync(wanBottles);

        var targets = new List<(string, string, bool)>
        {
            ("plan under 2 s", $"{planning.PlanSeconds:0.00} s", planning.PlanSeconds < 2),
            ("plan under 300 MB peak", $"{planning.PlanPeakRss / MB:0} MB", planning.PlanPeakRss < 300 * MB),
            ("plan within 3x of parse-only", $"{planning.Ratio:0.00}x", planning.Ratio <= 3),
            ($"re-run with nothing new, {planning.HashEntries + planning.Planned:N0}-entry hash file: <= 2 s, 0 bytes", $"{planning.RerunSeconds:0.00} s, {planning.RerunBytes} bytes", planning.RerunSeconds <= 2 && planning.RerunBytes == 0),
            ($"sizing {planning.SizedVersions:N0} formula versions at {PlanningBench.SizingLatency.TotalMilliseconds:0} ms latency <= 30 s", $"{planning.SizingSeconds:0.0} s", planning.SizingSeconds <= 30),
            ("local store >= 1.0x raw copy", $"{transfer.LocalRatio:0.00}x", transfer.LocalRatio >= 1.0),
            ("S3 >= 0.95x plain SDK copy", $"{transfer.S3Ratio:0.00}x", transfer.S3Ratio >= 0.95),
            ($"WAN first sync <= 1.0x the plain 10-way fetch ({wan.Bottles} bottles)", $"{wan.SyncSeconds:0.00} s vs {wan.Plain10Seconds:0.00} s: {wan.Ratio:0.00}x", wan.Ratio <= 1.0),
            ($"WAN re-run with nothing new <= 0.5 s ({wan.Bottles} bottles)", $"{wan.NoopSeconds:0.00} s", wan.NoopSeconds <= 0.5),
            ($"peak memory with the {transfer.LargestBottle / MB:N0} MB bottle under 250 MB", $"local {transfer.LocalPeakRss / MB:0} MB, S3 {transfer.S3PeakRss / MB:0} MB",
                transfer.LocalPeakRss < 250 * MB && transfer.S3PeakRss < 250 * MB),
        };
        var machine = $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * MB):0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
        var settings = new Dictionary<string, object>
        {
            ["quick"] = quick,
            ["formulae"] = formulae,
            ["tags_per_formula"] = PlanningBench.Tags.Length,
            ["target_platforms"] = PlanningBench.Targets,
            ["transfer_bottles"] = bottles,
            ["transfer_concurrency"] = TransferBench.Concurrency,
            ["largest_bottle_bytes"] = large,
            ["s3_server"] = "moto_server (Python moto[server]), 127.0.0.1",
            ["wan_bottles"] = wanBottles,
            ["wan_latency_ms"] = WanBench.Latency.TotalMilliseconds,
            ["wan_bytes_per_second_per_connection"] = WanBench.BytesPerSecond,
            ["sizing_latency_ms"] = PlanningBench.SizingLatency.TotalMilliseconds,
        };
        var report = new BenchReport(DateTimeOffset.UtcNow, machine, settings, planning, transfer, wan, targets);
        Print(report);
        Save(report);
        return report;
    }

    private static void Print(BenchReport r)
    {
        var p = r.Planning;
        var t = r.Transfer;
        Console.WriteLine($"HomebrewSync benchmark, {r.At:yyyy-MM-dd HH:mm} UTC, {r.Machine}");
        Console.WriteLine();
        Console.WriteLine($"Planning: {p.Formulae:N0} formulae, catalog {p.CatalogBytes / MB:0.0} MB, hash file {p.HashEntries:N0} entries, {p.Planned:N0} bottles planned");
        Console.WriteLine($"  {"parse only (floor)",-34} {p.ParseSeconds,8:0.000} s");
        Console.WriteLine($"  {"plan",-34} {p.PlanSeconds,8:0.000} s   {p.Ratio:0.00}x the floor, peak {p.PlanPeakRss / MB:0} MB (child process)");
        Console.WriteLine($"  {"re-run with nothing new (sync)",-34} {p.RerunSeconds,8:0.000} s   {p.RerunBytes} bytes transferred");
        Console.WriteLine($"  {$"first plan at {PlanningBench.SizingLatency.TotalMilliseconds:0} ms latency",-34} {p.SizingSeconds,8:0.000} s   {p.SizedVersions:N0} image indexes (sizing)");
        Console.WriteLine();
        Console.WriteLine($"Transfer: {t.Bottles} bottles, {t.Bytes / MB:0} MB, the largest {t.LargestBottle / MB:0} MB, concurrency {TransferBench.Concurrency}");
        Console.WriteLine($"  {"",-34} {"seconds",8} {"MB/s",8}  ratio   peak RSS");
        Row("raw parallel copy to a folder", t.LocalBaselineSeconds, t.Bytes, null, null);
        Row("homebrew-sync into a folder", t.LocalSeconds, t.Bytes, t.LocalRatio, t.LocalPeakRss);
        Row("raw copy + plain SDK upload to S3", t.S3BaselineSeconds, t.Bytes, null, null);
        Row("homebrew-sync into S3", t.S3Seconds, t.Bytes, t.S3Ratio, t.S3PeakRss);
        Console.WriteLine($"  (homebrew-sync rows: the sync, in-process after a warm-up like the raw copies, folder rows the median of three rounds; peak RSS and wall time");
        Console.WriteLine($"   of the same sync as its own process, start-up and planning included: folder {t.LocalWallSeconds:0.00} s, S3 {t.S3WallSeconds:0.00} s)");
        Console.WriteLine();
        var w = r.Wan;
        Console.WriteLine($"WAN profile: {w.Bottles} bottles, {w.Bytes / MB:0} MB, {WanBench.Latency.TotalMilliseconds:0} ms before each response, {WanBench.BytesPerSecond / MB:0} MB/s per connection");
        Console.WriteLine($"  {"plain fetch, 10 at once",-34} {w.Plain10Seconds,8:0.00} s");
        Console.WriteLine($"  {$"best plain fetch ({w.BestConcurrency} at once)",-34} {w.BestPlainSeconds,8:0.00} s");
        Console.WriteLine($"  {"homebrew-sync sync (defaults)",-34} {w.SyncSeconds,8:0.00} s   {w.Ratio:0.00}x the 10-way fetch, process start to exit");
        Console.WriteLine($"  {"re-run with nothing new",-34} {w.NoopSeconds,8:0.00} s");
        Console.WriteLine();
        Console.WriteLine("Targets:");
        foreach (var (target, measured, met) in r.Targets)
        {
            Console.WriteLine($"  [{(met ? "met" : "MISSED")}] {target}: {measured}");
        }
    }

    private static void Row(string name, double seconds, long bytes, double? ratio, long? peak) =>
        Console.WriteLine($"  {name,-34} {seconds,8:0.00} {bytes / MB / seconds,8:0.0}  {(ratio is { } x ? $"{x:0.00}x" : "  -  "),-6}  {(peak is { } m ? $"{m / MB:0} MB" : "")}");

    private static void Save(BenchReport r)
    {
        var dir = Path.Combine(RepositoryPaths.Root(), "bench", "results");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"bench-{r.At.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json");
        var json = JsonSerializer.Serialize(new
        {
            at = r.At,
            machine = r.Machine,
            settings = r.Settings,
            planning = new { r.Planning.Formulae, r.Planning.CatalogBytes, r.Planning.HashEntries, r.Planning.Planned, r.Planning.ParseSeconds, r.Planning.PlanSeconds, r.Planning.Ratio, r.Planning.PlanPeakRss, r.Planning.RerunSeconds, r.Planning.RerunBytes, r.Planning.SizedVersions, r.Planning.SizingSeconds },
            wan = new { r.Wan.Bottles, r.Wan.Bytes, r.Wan.SyncSeconds, r.Wan.NoopSeconds, r.Wan.Plain10Seconds, r.Wan.BestPlainSeconds, r.Wan.BestConcurrency, r.Wan.Ratio },
            transfer = new { r.Transfer.Bottles, r.Transfer.Bytes, r.Transfer.LargestBottle, r.Transfer.LocalBaselineSeconds, r.Transfer.LocalSeconds, r.Transfer.LocalWallSeconds, r.Transfer.LocalRatio, r.Transfer.LocalPeakRss, r.Transfer.S3BaselineSeconds, r.Transfer.S3Seconds, r.Transfer.S3WallSeconds, r.Transfer.S3Ratio, r.Transfer.S3PeakRss },
            targets = r.Targets.Select(t => new { target = t.Target, measured = t.Measured, met = t.Met }),
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        File.WriteAllText(path, json);
        Console.WriteLine($"\nSaved {path}");
    }
}
