using System.Runtime.ExceptionServices;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// Writes a staged bottle straight to the disk, past the page cache (Linux's O_DIRECT), as databases write what they must
/// flush anyway: the bytes are not copied into the page cache and written back from it, so a bottle costs about one copy
/// less of CPU, and its flush before the rename finds nothing left to write. Writes are gathered into aligned blocks of
/// <see cref="BlockSize"/>, one block written while the next fills; the last, partial block is written through the page cache
/// (O_DIRECT cleared), so no write is ever padded. Only on a local disk's file system (<see cref="StoreFile.TakesDirectWrites"/>):
/// on a network or FUSE mount each direct write would be a round trip of its own. Where a direct write is refused all the
/// same (EINVAL: a device with other rules), the file is written through the page cache from there on, its write-back
/// started as it goes: the same bytes, the usual way.
/// Writes come one at a time (the transfer awaits each); the file stays its owner's. Once a write has failed, every later
/// write and the finish fail with it until the file is restarted: a file with a hole is never finished.
/// </summary>
internal sealed class DirectWriteStream : Stream
{
    /// <summary>Bytes per direct write: large enough for the disk's full speed, small enough for one per slot.</summary>
    public const int BlockSize = 1 << 20;

    private readonly FileStream _file;
    private DirectBlock? _filling;
    private DirectBlock? _spare;
    private int _filled;
    private long _written;
    private bool _direct = true;
    private ExceptionDispatchInfo? _failure;
    // The direct write of the other block: it ends before that block is filled again, before the file is finished, reset
    // or closed, and before either block goes back to the pool. Cleared only once it has ended.
    private Task _inFlight = Task.CompletedTask;

    private DirectWriteStream(FileStream file)
    {
        _file = file;
        _filling = DirectBlock.Rent();
    }

    /// <summary>A direct writer for a new, empty file; null where it is not to be written past the page cache (see the class).</summary>
    public static DirectWriteStream? TryCreate(FileStream file) =>
        StoreFile.TakesDirectWrites(file.SafeFileHandle) && StoreFile.TrySetDirect(file.SafeFileHandle, on: true) ? new DirectWriteStream(file) : null;

    private DirectBlock Filling => _filling ?? throw new ObjectDisposedException(nameof(DirectWriteStream));

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written + _filled;
    public override long Position { get => Length; set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _failure?.Throw();
        while (!buffer.IsEmpty)
        {
            var count = Math.Min(BlockSize - _filled, buffer.Length);
            buffer.Span[..count].CopyTo(Filling.Memory.Span[_filled..]);
            _filled += count;
            buffer = buffer[count..];
            if (_filled == BlockSize)
            {
                await HandOverFullBlockAsync();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("written asynchronously only");

    /// <summary>
    /// Everything written is in the file (not yet flushed to disk: the owner's fsync does that, and finds only the last block's
    /// bytes and the metadata to write); the blocks go back to the pool.
    /// </summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        _failure?.Throw();
        await EndInFlightAsync();
        if (_filled > 0)
        {
            // The partial last block through the page cache: a direct write must be whole blocks.
            if (_direct)
            {
                ClearDirect();
            }
            await RandomAccess.WriteAsync(_file.SafeFileHandle, Filling.Memory[.._filled], _written, cancellationToken);
            _written += _filled;
            _filled = 0;
        }
        ReturnBlocks();
    }

    /// <summary>Waits for the write in flight, so that the owner can empty the file for another attempt; writing starts again from its beginning.</summary>
    public async Task RestartAsync()
    {
        await SettleAsync();
        _failure = null;
        _written = 0;
        _filled = 0;
        _filling ??= DirectBlock.Rent();
        if (!_direct)
        {
            _direct = StoreFile.TrySetDirect(_file.SafeFileHandle, on: true);
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await SettleAsync();
        ReturnBlocks();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        // Disposed without waiting (DisposeAsync waits): a block that a write may still be reading from is left to the
        // collector, never handed to another bottle.
        if (disposing && _inFlight.IsCompleted)
        {
            ReturnBlocks();
        }
        base.Dispose(disposing);
    }

    /// <summary>Each block back to the pool once: a block in the pool twice would be two bottles' at once.</summary>
    private void ReturnBlocks()
    {
        _filling?.Return();
        _spare?.Return();
        _filling = null;
        _spare = null;
    }

    /// <summary>Starts the full block on its way and fills the other, once that one's earlier write has ended.</summary>
    private async Task HandOverFullBlockAsync()
    {
        await EndInFlightAsync();
        var full = Filling;
        _filling = _spare ?? DirectBlock.Rent();
        _spare = full;
        _inFlight = WriteBlockAsync(full.Memory, _written);
        _written += BlockSize;
        _filled = 0;
    }

    private async Task WriteBlockAsync(ReadOnlyMemory<byte> block, long offset)
    {
        if (_direct)
        {
            try
            {
                await RandomAccess.WriteAsync(_file.SafeFileHandle, block, offset);
                return;
            }
            catch (IOException e) when (e.HResult == InvalidArgument)
            {
                // Refused past the page cache (an alignment this device does not take): the usual way from here on.
                ClearDirect();
            }
        }
        await RandomAccess.WriteAsync(_file.SafeFileHandle, block, offset);
        StoreFile.StartWriteBack(_file.SafeFileHandle, offset, block.Length);
    }

    /// <summary>EINVAL, which .NET gives as the IOException's HResult on Linux.</summary>
    private const int InvalidArgument = 22;

    private void ClearDirect()
    {
        if (!StoreFile.TrySetDirect(_file.SafeFileHandle, on: false))
        {
            throw new IOException($"{_file.Name}: O_DIRECT could not be cleared for a write through the page cache");
        }
        _direct = false;
    }

    /// <summary>The write in flight, ended; its failure is the file's from now on, until it is restarted.</summary>
    private async Task EndInFlightAsync()
    {
        try
        {
            await _inFlight;
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
            throw;
        }
        finally
        {
            _inFlight = Task.CompletedTask;
        }
    }

    /// <summary>The write in flight ended, however: the attempt it belonged to is being discarded or has already failed.</summary>
    private async Task SettleAsync()
    {
        try
        {
            await EndInFlightAsync();
        }
#pragma warning disable CA1031 // Awaited only so that its block is free; the file's bytes are being discarded, and the failure stays recorded.
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }
}
