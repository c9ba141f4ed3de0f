using HomebrewSync.Bench;

// Reproducible figures: planning at Homebrew's scale, transfer throughput against a raw copy, WAN syncs against plain fetches,
// serve against nginx, all against servers on 127.0.0.1 started here.
// Usage: dotnet run -c Release --project bench/HomebrewSync.Bench [-- --quick] [-- --only planning,transfer,wan,wan-many,serving]
var quick = args.Contains("--quick");
var at = Array.IndexOf(args, "--only");
var only = at >= 0 && at + 1 < args.Length ? args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) : [];
if (only.Except(BenchRunner.Profiles).ToArray() is { Length: > 0 } unknown)
{
    Console.Error.WriteLine($"error: unknown profile {string.Join(", ", unknown)}; profiles: {string.Join(", ", BenchRunner.Profiles)}");
    return 2;
}
var report = await BenchRunner.RunAsync(quick, only);
return report.AllTargetsMet ? 0 : 1;
