using System.Collections.Concurrent;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Tests.Transfer;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Planning;

public sealed class BottleSizerTests
{
    private const int Concurrency = 4;
    private static readonly FakeFormula[] Formulae = Enumerable.Range(0, 200).Select(i => new FormulaBuilder($"f{i:000}").WithBottle("arm64_sonoma", 1000 + i).Build()).ToArray();

    private static SyncPlan Plan() => new()
    {
        SyncDate = "2025-07-21", CreatedAt = new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero), ApiUrl = "https://formulae.brew.sh/api/formula.json",
        Platforms = ["arm64_sonoma"], Bottles = Formulae.Select(f => TransferEngineTests.Planned(f) with { Size = null }).ToArray(),
    };

    private static async Task<(SyncPlan Sized, List<string> Warnings)> SizeAsync(IBottleRegistry registry)
    {
        var sizer = new BottleSizer(registry, ResiliencePipelines.Create(new SyncSettings(), new FakeTimeProvider()), Concurrency, (1L << 40, "the most"));
        var warnings = new List<string>();
        var sized = await sizer.SizeAsync(Plan(), warnings, null, CancellationToken.None);
        return (sized, warnings);
    }

    [Fact]
    public async Task ARegistryThatFailsEveryRequest_IsAskedAFewDozenTimes_NotOncePerBottle()
    {
        // Every image index and every HEAD refused (slowly, at each request's bound, were the registry hostile): 400 requests before.
        var registry = new Failing(new FakeRegistry(Formulae), indexes: true, heads: true);

        var (sized, warnings) = await SizeAsync(registry);

        Assert.All(sized.Bottles, b => Assert.Null(b.Size));
        Assert.InRange(registry.IndexRequests, BottleSizer.FailuresInARow, BottleSizer.FailuresInARow + Concurrency - 1);
        Assert.InRange(registry.HeadRequests, BottleSizer.FailuresInARow, BottleSizer.FailuresInARow + Concurrency - 1);
        Assert.Contains("sizing: 32 image indexes in a row failed (the last: HTTP 403 from the test); no more were asked for, and their blobs were sized by HEAD", warnings);
        Assert.Contains($"sizing: 32 HEAD requests in a row failed (the last: HTTP 403 from the test); no more were sent, and {200 - registry.HeadRequests} more blobs' sizes are unknown", warnings);
    }

    [Fact]
    public async Task IndexesThatAllFail_StillLeaveEveryBlobToItsHead()
    {
        var registry = new Failing(new FakeRegistry(Formulae), indexes: true, heads: false);

        var (sized, warnings) = await SizeAsync(registry);

        Assert.Equal(Formulae.Select(f => (long?)f.Bottles["arm64_sonoma"].Length), sized.Bottles.Select(b => b.Size));
        Assert.Equal(200, registry.HeadRequests);
        Assert.Single(warnings);
    }

    [Fact]
    public async Task FailuresBrokenBySuccesses_AreNotInARow_EveryBottleIsAsked()
    {
        // Every other image index fails: never 32 in a row, so every one is asked for.
        var registry = new Failing(new FakeRegistry(Formulae), indexes: true, heads: false) { EveryOther = true };

        var (sized, warnings) = await SizeAsync(registry);

        Assert.Equal(200, registry.IndexRequests);
        Assert.All(sized.Bottles, b => Assert.NotNull(b.Size));
        Assert.Empty(warnings);
    }

    /// <summary>The registry port with its image indexes, HEADs or both refused (403, not retried), counting what is asked.</summary>
    private sealed class Failing(FakeRegistry inner, bool indexes, bool heads) : IBottleRegistry
    {
        private int _indexRequests;
        private int _headRequests;

        public int IndexRequests => Volatile.Read(ref _indexRequests);
        public int HeadRequests => Volatile.Read(ref _headRequests);

        /// <summary>Only every other image index fails (the first, the third...).</summary>
        public bool EveryOther { get; init; }

        public Task<BlobDownload> OpenBlobAsync(Uri blobUrl, CancellationToken cancellationToken) => inner.OpenBlobAsync(blobUrl, cancellationToken);

        public async Task<byte[]> GetImageIndexAsync(Uri imageBase, string reference, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _indexRequests);
            // Answers interleave across the concurrent requests; a yield lets the others run as a network's would.
            await Task.Yield();
            return indexes && (!EveryOther || n % 2 == 1) ? throw Refused() : await inner.GetImageIndexAsync(imageBase, reference, cancellationToken);
        }

        public Task<IReadOnlyList<string>> GetTagsAsync(Uri imageBase, CancellationToken cancellationToken) => inner.GetTagsAsync(imageBase, cancellationToken);

        public async Task<long?> GetBlobSizeAsync(Uri blobUrl, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _headRequests);
            await Task.Yield();
            return heads ? throw Refused() : await inner.GetBlobSizeAsync(blobUrl, cancellationToken);
        }

        private static BottleDownloadException Refused() => new(FailureKind.Unauthorized, "HTTP 403 from the test");
    }
}
