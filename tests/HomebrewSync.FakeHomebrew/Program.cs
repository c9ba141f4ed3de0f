using System.Globalization;
using System.Runtime.InteropServices;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

// Serves a generated catalog and registry on 127.0.0.1 until stopped, for trying the CLI offline and
// for benchmarks. Prints the catalog URL (and writes it to --url-file when given); with --s3-bucket it
// also runs moto's S3 server with that bucket. --latency-ms and --rate make it a registry across a WAN.
var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--formulae"] = "100",
    ["--tags"] = "arm64_sonoma,arm64_ventura,monterey",
    ["--min-size"] = "4096",
    ["--max-size"] = "1048576",
    ["--faults"] = "0",
    ["--seed"] = "1",
    ["--latency-ms"] = "0",
    ["--rate"] = "0",
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!options.ContainsKey(args[i]) && args[i] is not ("--url-file" or "--s3-bucket"))
    {
        Console.Error.WriteLine($"unknown option {args[i]}; options: {string.Join(", ", options.Keys)}, --url-file PATH, --s3-bucket NAME");
        return 2;
    }
    options[args[i]] = args[i + 1];
}
int Int(string name) => int.Parse(options[name], CultureInfo.InvariantCulture);

var random = new Random(Int("--seed"));
var tags = options["--tags"].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var formulae = Enumerable.Range(0, Int("--formulae")).Select(i =>
{
    var name = (i % 10) switch { 0 => $"lib{i}@{i % 4 + 1}", 1 => $"tool{i}+plus", _ => $"tool{i}" };
    return new FormulaBuilder(name).WithVersion($"1.{i}.0", i % 7 == 0 ? 1 : 0).WithRebuild(i % 11 == 0 ? 1 : 0)
        .WithBottles(tags, random.NextInt64(Int("--min-size"), Int("--max-size") + 1)).Build();
}).ToArray();

await using var server = await FakeHomebrewServer.StartAsync(formulae);
// A WAN: a wait before every response's first byte, and a per-connection rate (bytes per second) for bottle bodies.
server.ResponseDelay = TimeSpan.FromMilliseconds(Int("--latency-ms"));
if (long.Parse(options["--rate"], CultureInfo.InvariantCulture) is > 0 and var rate)
{
    server.ThrottleBytesPerSecond = rate;
}
var faultPercent = Int("--faults");
var faults = 0;
foreach (var sha in formulae.SelectMany(f => f.Bottles.Values).Select(b => b.Sha256))
{
    if (random.Next(100) < faultPercent)
    {
        // Mostly transient faults the sync must ride out, and some that must fail the bottle.
        var kind = (FaultKind)random.Next(0, 6);
        server.InjectFault(sha, kind, kind == FaultKind.Stall ? 1 : 2);
        faults++;
    }
}

await using var s3 = options.TryGetValue("--s3-bucket", out var bucket) ? await MotoServer.StartAsync() : null;
if (s3 is not null)
{
    await s3.CreateBucketAsync(bucket);
    Console.WriteLine($"s3_endpoint={s3.Endpoint}");
}

Console.WriteLine($"api_url={server.ApiUrl}");
Console.WriteLine($"formulae={formulae.Length} bottles={formulae.Sum(f => f.Bottles.Count)} bytes={formulae.Sum(f => f.Bottles.Values.Sum(b => b.Length))} faults={faults}");
if (options.TryGetValue("--url-file", out var urlFile))
{
    await File.WriteAllTextAsync(urlFile + ".tmp", server.ApiUrl.AbsoluteUri + "\n" + (s3?.Endpoint.AbsoluteUri ?? "") + "\n");
    File.Move(urlFile + ".tmp", urlFile, overwrite: true);
}

var stopped = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.TrySetResult(); });
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopped.TrySetResult(); });
await stopped.Task;
Console.WriteLine($"served bytes={server.BytesServed} blob_gets={server.TotalBlobGets}");
return 0;
