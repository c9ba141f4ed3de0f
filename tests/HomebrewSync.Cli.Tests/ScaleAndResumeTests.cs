
namespace HomebrewSync.Cli.Tests;

public sealed class ScaleAndResumeTests
{
    private static readonly string[] Tags = ["arm64_sonoma", "arm64_ventura", "monterey"];

    [Fact]
    public async Task Sync_ThreeHundredBottlesWithFaultsMixedIn_StoresGoodOnesReportsBadOnesAndResumes()
    {
        var random = new Random(7);
        var formulae = Enumerable.Range(0, 100)
            .Select(i => new FormulaBuilder(i % 10 == 0 ? $"lib{i}@2" : $"tool{i}").WithVersion($"1.{i}", i % 7 == 0 ? 1 : 0)
                .WithBottles(Tags, random.Next(1_000, 64_000)).Build())
            .ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var blobs = formulae.SelectMany(f => f.Bottles.Values).Select(b => b.Sha256).ToArray();
        foreach (var sha in blobs.Take(10)) h.Server.InjectFault(sha, FaultKind.ServerError, 2);
        foreach (var sha in blobs.Skip(10).Take(5)) h.Server.InjectFault(sha, FaultKind.TooManyRequests, 1, TimeSpan.FromSeconds(1));
        foreach (var sha in blobs.Skip(15).Take(5)) h.Server.InjectFault(sha, FaultKind.ResetMidBody, 1);
        var corrupt = blobs.Skip(20).Take(5).ToArray();
        var missing = blobs.Skip(25).Take(5).ToArray();
        foreach (var sha in corrupt) h.Server.InjectFault(sha, FaultKind.WrongBytes, 1);
        foreach (var sha in missing) h.Server.InjectFault(sha, FaultKind.NotFound, 1);

        var first = await h.RunAsync("sync", "--json", "--batch-size", "25");

        Assert.Equal(3, first.ExitCode);
        using (var doc = JsonDocument.Parse(first.Out))
        {
            Assert.Equal(290, doc.RootElement.GetProperty("stored").GetInt32());
            var kinds = doc.RootElement.GetProperty("failed").EnumerateArray().Select(f => f.GetProperty("kind").GetString()).ToArray();
            Assert.Equal(5, kinds.Count(k => k == "ShaMismatch"));
            Assert.Equal(5, kinds.Count(k => k == "NotFound"));
            Assert.Equal(10, kinds.Length);
        }
        var verify = await h.RunAsync("verify");
        Assert.True(verify.ExitCode == 0, verify.Out);
        Assert.Equal(0, h.Server.AuthorizationLeaks);

        var second = await h.RunAsync("sync", "--json");
        Assert.Equal(0, second.ExitCode);
        using (var doc = JsonDocument.Parse(second.Out))
        {
            Assert.Equal(10, doc.RootElement.GetProperty("stored").GetInt32());
            Assert.Equal(290, doc.RootElement.GetProperty("skipped").GetInt32());
        }
        var served = h.Server.BytesServed;

        var third = await h.RunAsync("sync", "--json");

        Assert.Equal(0, third.ExitCode);
        Assert.Equal(served, h.Server.BytesServed);
        using (var doc = JsonDocument.Parse(third.Out))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("bytes_transferred").GetInt64());
            Assert.Equal(300, doc.RootElement.GetProperty("hash_file_bottles").GetInt32());
        }
    }

    [Fact]
    public async Task Sync_ProcessKilledMidRun_NextRunResumesWithoutRefetchingRecordedBottles()
    {
        var formulae = Enumerable.Range(0, 40).Select(i => new FormulaBuilder($"pkg{i:00}").WithBottle("monterey", 50_000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        // The last bottle stalls: the run is killed while it hangs, after the 39 before it (one at a time) are done.
        var stalled = formulae[^1].Bottles["monterey"].Sha256;
        var env = h.Environment();
        env["DOWNLOAD_TIMEOUT_SECONDS"] = "120";
        // One download at a time: the stalled GET starts only once every bottle before it is stored and added to the
        // checkpointer, which wrote the hash file at each fifth.
        await KilledRun.KillWhileStalledAsync(h.Server, stalled, env, "sync", "--platform", "monterey", "--concurrency", "1", "--batch-size", "5", "--date", "2025-07-21");
        // Checkpoints every 5 bottles: 35 of the 39 stored are recorded; the last 4 are on disk but not in the hash file.
        var recorded = RecordedKeys(h);
        Assert.Equal(formulae.Take(35).Select(f => $"{f.Name}-{f.Version}-monterey").Order(StringComparer.Ordinal), recorded.Order(StringComparer.Ordinal));
        Assert.Equal(formulae.Take(39).Select(f => f.FileName("monterey")).Order(StringComparer.Ordinal), StoredFileNames(h));

        var resume = await h.RunAsync("sync", "--platform", "monterey", "--date", "2025-07-21", "--json");

        Assert.Equal(0, resume.ExitCode);
        foreach (var f in formulae)
        {
            Assert.Equal(f.Bottles["monterey"].Sha256, SyncEndToEndTests.Sha256Of(h.PathOf($"2025-07-21/{f.FileName("monterey")}")));
            // Stored but unrecorded bottles are verified on disk, not fetched again; only the stalled one is.
            Assert.Equal(f == formulae[^1] ? 2 : 1, h.Server.BlobGets(f.Bottles["monterey"].Sha256));
        }
        Assert.Equal(40, RecordedKeys(h).Length);
        Assert.Equal(0, (await h.RunAsync("verify")).ExitCode);
    }

    private static string[] StoredFileNames(CliHarness h) =>
        Directory.Exists(h.PathOf("2025-07-21")) ? Directory.GetFiles(h.PathOf("2025-07-21")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray() : [];

    private static string[] RecordedKeys(CliHarness h)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(h.PathOf("bottles_hash.json")));
            return doc.RootElement.GetProperty("bottles").EnumerateObject().Select(p => p.Name).ToArray();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
