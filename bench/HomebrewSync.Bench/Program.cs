using HomebrewSync.Bench;

// Reproducible figures: planning at Homebrew's scale and transfer throughput against a raw copy,
// all against servers on 127.0.0.1 started here. Usage: dotnet run -c Release --project bench/HomebrewSync.Bench [-- --quick]
var quick = args.Contains("--quick");
var report = await BenchRunner.RunAsync(quick);
return report.AllTargetsMet ? 0 : 1;
