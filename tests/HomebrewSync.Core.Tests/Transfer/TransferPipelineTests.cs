using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using System.Threading.Tasks.Sources;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Transfer;

/// <summary>
/// A chunk's write is still running while the next chunks are received and hashed. Here every write finishes late: when
/// the engine's next read of the body has filled its buffer, or when the engine waits for it, whichever comes first, and
/// only then copies its buffer. A buffer handed to a read while its write was still running would store bytes other than
/// the ones hashed; a staging reset or discarded while a write of it was running would be written to afterwards.
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
        Assert.Empty(_conveyor.Violations);
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
        Assert.Empty(_conveyor.Violations);
    }

    [Fact]
    public async Task RunAsync_AnAttemptThatFailsWhileAWriteIsRunning_WaitsForTheWrite_BeforeItsStagingGoes()
    {
        // Announced as three chunks: the fourth is refused while the third is still being written.
        var llvm = new FormulaBuilder("llvm").WithVersion("19.1.0").WithBottle(Tag, 1_000_003).Build();

        var result = await RunAsync([llvm], Planned(llvm) with { Size = 3 * 128 * 1024 });

        Assert.Equal(FailureKind.TooLarge, Assert.Single(result.Failed).Kind);
        Assert.Empty(_store.Objects);
        Assert.True(_conveyor.FinishedWhenAwaited >= 1, "the write in flight at the failure was never waited for");
        Assert.Empty(_conveyor.Violations);
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

    /// <summary>
    /// Holds each write until the body has been read again (or has ended) or the engine waits for it, then copies the
    /// buffer as it is at that moment; records a staging reset or discarded while a write of it is held.
    /// </summary>
    private sealed class Conveyor
    {
        private readonly Lock _gate = new();
        private HeldWrite? _held;
        private bool _ended;
        private int _writes;

        public int FinishedLate { get; private set; }

        public int FinishedWhenAwaited { get; private set; }

        public List<string> Violations { get; } = [];

        /// <summary>The write (1 = the first) that fails, as a full disk would; 0 for none.</summary>
        public int FailWrite { get; set; }

        public ValueTask Write(Stream target, ReadOnlyMemory<byte> bytes)
        {
            lock (_gate)
            {
                if (++_writes == FailWrite)
                {
                    return ValueTask.FromException(new IOException("No space left on device"));
                }
                if (_ended)
                {
                    target.Write(bytes.Span);
                    return ValueTask.CompletedTask;
                }
                if (_held is not null)
                {
                    Violations.Add($"write {_writes} started while write {_writes - 1} was still running");
                }
                _held = new HeldWrite(this, target, bytes);
                return new ValueTask(_held, 0);
            }
        }

        /// <summary>A read of the body has filled its buffer: the held write copies its own now.</summary>
        public void Reading()
        {
            lock (_gate)
            {
                if (Finish())
                {
                    FinishedLate++;
                }
            }
        }

        /// <summary>The engine waits for the held write: it copies its buffer now.</summary>
        public void Awaited(HeldWrite write)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_held, write) && Finish())
                {
                    FinishedWhenAwaited++;
                }
            }
        }

        /// <summary>The staging writes go to is reset or discarded.</summary>
        public void Leaving(string what)
        {
            lock (_gate)
            {
                if (_held is not null)
                {
                    Violations.Add($"staging {what} while a write of it was running");
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

        private bool Finish()
        {
            if (_held is not { } held)
            {
                return false;
            }
            _held = null;
            held.Finish();
            return true;
        }
    }

    /// <summary>A write that finishes when the conveyor says so; being awaited is one of the ways it does.</summary>
    private sealed class HeldWrite(Conveyor conveyor, Stream target, ReadOnlyMemory<byte> bytes) : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

        public void Finish()
        {
            target.Write(bytes.Span);
            _core.SetResult(true);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void GetResult(short token) => _core.GetResult(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            _core.OnCompleted(continuation, state, token, flags);
            conveyor.Awaited(this);
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

    private sealed class ConveyedBody(Stream inner, Conveyor conveyor) : ReadOnlyStream(inner)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await Inner.ReadAsync(buffer, cancellationToken);
            // After the read has filled its buffer: were that the buffer of the write held, the write would copy these bytes.
            conveyor.Reading();
            if (read == 0)
            {
                conveyor.Ended();
            }
            return read;
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
        public Task ResetAsync(CancellationToken cancellationToken)
        {
            conveyor.Leaving("reset");
            return inner.ResetAsync(cancellationToken);
        }

        public Task<bool> CommitAsync(BottleMetadata metadata, bool replace, CancellationToken cancellationToken)
        {
            conveyor.Leaving("committed");
            return inner.CommitAsync(metadata, replace, cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            conveyor.Leaving("discarded");
            return inner.DisposeAsync();
        }
    }

    private sealed class LateContent(Stream inner, Conveyor conveyor) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => conveyor.Write(inner, buffer);

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the engine writes asynchronously");
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
