using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Transfer;

/// <summary>
/// A chunk's write is still running while the next chunks are received and hashed. Here every write finishes late, at
/// the engine's next read of the body has filled its buffer, and only then copies its own: a buffer handed to a read
/// while its write was still running would store bytes other than the ones hashed, which is what these tests would see.
/// </summary>
public sealed class TransferPipelineTests
{
    private const string Tag = "arm64_sonoma";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStore _store = new();
    private readonly Conveyor _conveyor = new();

    [Fact]
    public async Task RunAsync_WritesThatFinishOnlyAfterTheNextRead_StoreExactlyTheBytesThatWereHashed()
    {
        // Eight chunks and an odd tail: every buffer is used several times over.
        var llvm = new FormulaBuilder("llvm").WithVersion("19.1.0").WithBottle(Tag, 1_000_003).Build();

        var result = await RunAsync([llvm], Planned(llvm));

        Assert.Empty(result.Failed);
        Assert.Equal(llvm.Bottles[Tag].ToArray(), _store.Objects[Planned(llvm).ObjectKey]);
        Assert.True(_conveyor.FinishedLate >= 7, $"{_conveyor.FinishedLate} writes finished after the next read");
    }

    [Fact]
    public async Task RunAsync_AWriteThatFailsWhileTheNextChunkIsReceived_FailsThatBottleAsStorage_AndStoresNothingForIt()
    {
        var llvm = new FormulaBuilder("llvm").WithVersion("19.1.0").WithBottle(Tag, 1_000_003).Build();
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        _conveyor.FailWrite = 3;

        var result = await RunAsync([llvm, jq], Planned(llvm), Planned(jq));

        var failure = Assert.Single(result.Failed);
        Assert.Equal((FailureKind.Storage, "llvm-19.1.0-arm64_sonoma"), (failure.Kind, failure.Bottle.Key));
        Assert.Contains("No space left on device", failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Planned(llvm).ObjectKey, _store.Objects.Keys);
        Assert.False((await _store.ReadHashFileAsync(CancellationToken.None))!.HashFile.TryGet(Planned(llvm).Key, out _));
        Assert.Equal("jq-1.7.1-arm64_sonoma", Assert.Single(result.Stored).Key);
    }

    private async Task<TransferResult> RunAsync(FakeFormula[] formulae, params PlannedBottle[] bottles)
    {
        var plan = new SyncPlan
        {
            SyncDate = "2025-07-21", CreatedAt = _time.GetUtcNow(), ApiUrl = "https://formulae.brew.sh/api/formula.json", Platforms = [Tag], Bottles = bottles,
        };
        // One bottle at a time and no retry, so the writes and reads of one body are all the conveyor sees.
        var settings = new SyncSettings { MaxConcurrentDownloads = 1, RetryAttempts = 0 };
        var engine = new TransferEngine(new LateStore(_store, _conveyor), new ConveyedRegistry(new FakeRegistry(formulae), _conveyor), settings, _time);
        var checkpointer = new HashFileCheckpointer(_store, await _store.ReadHashFileAsync(CancellationToken.None), 100, _time, NullSyncObserver.Instance);
        var progress = new ProgressTracker(_time, plan.Bottles.Count, plan.TotalBytes);
        return await engine.RunAsync(plan, checkpointer, progress, NullSyncObserver.Instance, null, CancellationToken.None);
    }

    private static PlannedBottle Planned(FakeFormula f) => TransferEngineTests.Planned(f, Tag);

    /// <summary>Holds each write until the body has been read again (or has ended), then copies the buffer as it is at that moment.</summary>
    private sealed class Conveyor
    {
        private readonly Lock _gate = new();
        private (Stream Target, ReadOnlyMemory<byte> Bytes, TaskCompletionSource Done)? _held;
        private bool _ended;
        private int _writes;

        public int FinishedLate { get; private set; }

        /// <summary>The write (1 = the first) that fails, as a full disk would; 0 for none.</summary>
        public int FailWrite { get; set; }

        public Task Write(Stream target, ReadOnlyMemory<byte> bytes)
        {
            lock (_gate)
            {
                if (++_writes == FailWrite)
                {
                    return Task.FromException(new IOException("No space left on device"));
                }
                if (_ended)
                {
                    target.Write(bytes.Span);
                    return Task.CompletedTask;
                }
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _held = (target, bytes, done);
                return done.Task;
            }
        }

        /// <summary>A read of the body has filled its buffer: the held write copies its own now.</summary>
        public void Reading()
        {
            lock (_gate)
            {
                if (_held is { } held)
                {
                    _held = null;
                    held.Target.Write(held.Bytes.Span);
                    FinishedLate++;
                    held.Done.SetResult();
                }
            }
        }

        public void Opened()
        {
            lock (_gate)
            {
                _ended = false;
            }
        }

        public void Ended()
        {
            lock (_gate)
            {
                _ended = true;
            }
        }
    }

    private sealed class ConveyedRegistry(IBottleRegistry inner, Conveyor conveyor) : IBottleRegistry
    {
        public async Task<BlobDownload> OpenBlobAsync(Uri blobUrl, CancellationToken cancellationToken)
        {
            var blob = await inner.OpenBlobAsync(blobUrl, cancellationToken);
            conveyor.Opened();
            return new BlobDownload(new ConveyedBody(blob.Body, conveyor), blob.Length);
        }

        public Task<byte[]> GetImageIndexAsync(Uri imageBase, string reference, CancellationToken cancellationToken) => inner.GetImageIndexAsync(imageBase, reference, cancellationToken);

        public Task<IReadOnlyList<string>> GetTagsAsync(Uri imageBase, CancellationToken cancellationToken) => inner.GetTagsAsync(imageBase, cancellationToken);

        public Task<long?> GetBlobSizeAsync(Uri blobUrl, CancellationToken cancellationToken) => inner.GetBlobSizeAsync(blobUrl, cancellationToken);
    }

    private sealed class ConveyedBody(Stream inner, Conveyor conveyor) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            // After the read has filled its buffer: were that the buffer of the write held, the write would copy these bytes.
            conveyor.Reading();
            if (read == 0)
            {
                conveyor.Ended();
            }
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    private sealed class LateStore(IBottleStore inner, Conveyor conveyor) : DelegatingBottleStore(inner)
    {
        public override async Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken) =>
            new LateStaged(await base.StageAsync(key, expectedSize, cancellationToken), conveyor);
    }

    private sealed class LateStaged(IStagedBottle inner, Conveyor conveyor) : IStagedBottle
    {
        private readonly LateContent _content = new(inner.Content, conveyor);

        public Stream Content => _content;
        public Task ResetAsync(CancellationToken cancellationToken) => inner.ResetAsync(cancellationToken);
        public Task CommitAsync(BottleMetadata metadata, CancellationToken cancellationToken) => inner.CommitAsync(metadata, cancellationToken);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class LateContent(Stream inner, Conveyor conveyor) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => new(conveyor.Write(inner, buffer));

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the engine writes asynchronously");
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
