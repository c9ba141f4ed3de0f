using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Bench;

/// <summary>One target: what was asked, what was measured, and whether it held (null: not measured, a tool was missing).</summary>
internal sealed record BenchTarget(string Target, string Measured, bool? Met)
{
    public string Status => Met switch { true => "met", false => "MISSED", null => "missing" };
}

internal sealed record BenchReport(
    DateTimeOffset At, string Machine, string Load, Dictionary<string, object> Settings,
    PlanningBench.Result? Planning, TransferBench.Result? Transfer, WanBench.Result? Wan, WanBench.Result? WanMany, ServingBench.Result? Serving,
    IReadOnlyList<BenchTarget> Targets)
{
    public bool AllTargetsMet => Targets.All(t => t.Met == true);
}

internal static class BenchRunner
{
    public static readonly string[] Profiles = ["planning", "transfer", "wan", "wan-many", "serving"];
    private const double MB = 1024 * 1024;

    public static async Task<BenchReport> RunAsync(bool quick, IReadOnlySet<string> only)
    {
        bool Runs(string profile) => only.Count == 0 || only.Contains(profile);
        var formulae = quick ? 1_000 : 7_000;
        var bottles = quick ? 60 : 300;
        var large = quick ? 128L << 20 : 1L << 30;
        var wanBottles = quick ? 60 : 200;
        var manyBottles = quick ? 300 : 1_500;
        var servedBottles = quick ? 100 : 400;
        var serveDuration = TimeSpan.FromSeconds(quick ? 3 : 6);
        var load = LoadAverage();
        PlanningBench.Result? planning = null;
        TransferBench.Result? transfer = null;
        WanBench.Result? wan = null, many = null;
        ServingBench.Result? serving = null;
        if (Runs("planning"))
        {
            Console.Error.WriteLine($"planning: {formulae:N0} formulae x {PlanningBench.Tags.Length} tags ...");
            planning = await PlanningBench.RunAsync(formulae);
        }
        if (Runs("transfer"))
        {
            Console.Error.WriteLine($"transfer: {bottles} bottles, the largest {large / MB:N0} MB ...");
            transfer = await TransferBench.RunAsync(bottles, large);
        }
        if (Runs("wan"))
        {
            Console.Error.WriteLine($"WAN: {wanBottles} bottles at {WanBench.Latency.TotalMilliseconds:0} ms, {WanBench.BytesPerSecond / MB:0} MB/s per connection ...");
            wan = await WanBench.RunAsync(WanBench.Large(wanBottles));
        }
        if (Runs("wan-many"))
        {
            Console.Error.WriteLine($"WAN: {manyBottles:N0} small bottles, against the plain fetch at {WanBench.SyncConcurrency} ...");
            many = await WanBench.RunAsync(WanBench.Many(manyBottles));
        }
        if (Runs("serving"))
        {
            Console.Error.WriteLine($"serving: {servedBottles} bottles, serve next to nginx under wrk ...");
            serving = await ServingBench.RunAsync(servedBottles, serveDuration);
        }
        var targets = new List<BenchTarget>();
        if (planning is { } p)
        {
            targets.AddRange(PlanningTargets(p));
        }
        if (transfer is { } t)
        {
            targets.AddRange(TransferTargets(t));
        }
        targets.AddRange(WanTargets(wan, many));
        if (serving is { } s)
        {
            targets.AddRange(ServingTargets(s));
        }
        var machine = $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * MB):0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
        var settings = new Dictionary<string, object>
        {
            ["quick"] = quick,
            ["profiles"] = only.Count == 0 ? Profiles : only.ToArray(),
            ["formulae"] = formulae,
            ["tags_per_formula"] = PlanningBench.Tags.Length,
            ["target_platforms"] = PlanningBench.Targets,
            ["transfer_bottles"] = bottles,
            ["transfer_concurrency"] = TransferBench.Concurrency,
            ["largest_bottle_bytes"] = large,
            ["s3_server"] = "moto_server (Python moto[server]), 127.0.0.1",
            ["wan_bottles"] = wanBottles,
            ["wan_many_bottles"] = manyBottles,
            ["wan_latency_ms"] = WanBench.Latency.TotalMilliseconds,
            ["wan_bytes_per_second_per_connection"] = WanBench.BytesPerSecond,
            ["sizing_latency_ms"] = PlanningBench.SizingLatency.TotalMilliseconds,
            ["served_bottles"] = servedBottles,
            ["wrk_threads"] = Wrk.Threads,
            ["wrk_seconds"] = serveDuration.TotalSeconds,
            ["wrk_rounds"] = ServingBench.Rounds,
        };
        var report = new BenchReport(DateTimeOffset.UtcNow, machine, $"{load} at the start, {LoadAverage()} at the end", settings, planning, transfer, wan, many, serving, targets);
        BenchPrinter.Print(report);
        Save(report);
        return report;
    }

    private static IEnumerable<BenchTarget> PlanningTargets(PlanningBench.Result p) =>
    [
        new("plan under 2 s", $"{p.PlanSeconds:0.00} s", p.PlanSeconds < 2),
        new("plan under 300 MB peak", $"{p.PlanPeakRss / MB:0} MB", p.PlanPeakRss < 300 * MB),
        new("plan within 3x of parse-only", $"{p.Ratio:0.00}x", p.Ratio <= 3),
        new($"re-run with nothing new, {p.HashEntries + p.Planned:N0}-entry hash file: <= 2 s, 0 bytes", $"{p.RerunSeconds:0.00} s, {p.RerunBytes} bytes", p.RerunSeconds <= 2 && p.RerunBytes == 0),
        new($"sizing {p.SizedVersions:N0} formula versions at {PlanningBench.SizingLatency.TotalMilliseconds:0} ms latency <= 30 s", $"{p.SizingSeconds:0.0} s", p.SizingSeconds <= 30),
    ];

    private static IEnumerable<BenchTarget> TransferTargets(TransferBench.Result t) =>
    [
        new("local store >= 1.0x raw copy", $"{t.LocalRatio:0.00}x", t.LocalRatio >= 1.0),
        new("S3 >= 0.95x plain SDK copy", $"{t.S3Ratio:0.00}x", t.S3Ratio >= 0.95),
        new($"peak memory with the {t.LargestBottle / MB:N0} MB bottle under 250 MB", $"local {t.LocalPeakRss / MB:0} MB, S3 {t.S3PeakRss / MB:0} MB",
            t.LocalPeakRss < 250 * MB && t.S3PeakRss < 250 * MB),
    ];

    private static IEnumerable<BenchTarget> WanTargets(WanBench.Result? wan, WanBench.Result? many)
    {
        if (wan is { } w)
        {
            yield return new($"WAN first sync <= 1.0x the plain 10-way fetch ({w.Bottles} bottles)", $"{w.SyncSeconds:0.00} s vs {w.Plain10Seconds:0.00} s: {w.Ratio:0.00}x", w.Ratio <= 1.0);
            yield return new($"WAN re-run with nothing new <= 0.3 s ({w.Bottles} bottles)", $"{w.NoopSeconds:0.00} s", w.NoopSeconds <= 0.3);
        }
        if (many is { } m)
        {
            yield return new($"WAN first sync >= 0.9x the plain fetch at its concurrency ({WanBench.SyncConcurrency}), {m.Bottles:N0} bottles",
                $"{m.SyncSeconds:0.00} s vs {m.SameConcurrencySeconds:0.00} s: {m.SpeedRatio:0.00}x (fixed cost {m.FixedSeconds:0.00} s)", m.SpeedRatio >= 0.9);
        }
    }

    private static IEnumerable<BenchTarget> ServingTargets(ServingBench.Result s)
    {
        var manifests = $"serve >= 0.8x nginx on manifest GETs (req/s, {ServingBench.ManifestConnections} connections)";
        var bottles = $"serve >= 0.8x nginx on bottle GETs (MB/s, {ServingBench.BottleConnections} connections)";
        const string p99 = "serve's p99 within 2x nginx's (manifests, bottles)";
        if (s.Missing is { } why)
        {
            return [new(manifests, why, null), new(bottles, why, null), new(p99, why, null)];
        }
        var errors = s.ServeManifests!.Errors + s.ServeBottles!.Errors;
        return
        [
            new(manifests, $"{s.ServeManifests.RequestsPerSecond:N0} vs {s.NginxManifests!.RequestsPerSecond:N0} req/s: {s.ManifestRatio:0.00}x", s.ManifestRatio >= 0.8 && errors == 0),
            new(bottles, $"{s.ServeBottles.MegabytesPerSecond:N0} vs {s.NginxBottles!.MegabytesPerSecond:N0} MB/s: {s.BottleRatio:0.00}x", s.BottleRatio >= 0.8 && errors == 0),
            new(p99, $"{s.ManifestP99Ratio:0.00}x, {s.BottleP99Ratio:0.00}x{(errors > 0 ? $"; {errors} errors" : "")}", s.ManifestP99Ratio <= 2 && s.BottleP99Ratio <= 2 && errors == 0),
        ];
    }

    /// <summary>The 1-minute load average: other work on the machine moves absolute figures, not the ratios of one run.</summary>
    private static string LoadAverage()
    {
        try
        {
            return "load " + File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "load unknown";
        }
    }

    private static void Save(BenchReport r)
    {
        var dir = Path.Combine(RepositoryPaths.Root(), "bench", "results");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"bench-{r.At.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json");
        var json = JsonSerializer.Serialize(new
        {
            at = r.At,
            machine = r.Machine,
            load = r.Load,
            settings = r.Settings,
            planning = r.Planning,
            transfer = r.Transfer,
            wan = r.Wan,
            wan_many = r.WanMany,
            serving = r.Serving,
            targets = r.Targets.Select(t => new { target = t.Target, measured = t.Measured, status = t.Status }),
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        File.WriteAllText(path, json);
        Console.WriteLine($"\nSaved {path}");
    }
}
