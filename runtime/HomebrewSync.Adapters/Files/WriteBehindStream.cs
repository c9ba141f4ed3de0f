namespace HomebrewSync.Adapters.Files;

/// <summary>
/// Writes to a file, starting what is written on its way to the disk every few MiB (Linux's sync_file_range, as RocksDB's
/// bytes_per_sync does) instead of all at the flush that makes it durable: a large bottle's flush before its rename then waits
/// for its last few MiB, not for the whole file, and the disk works while the network does. Elsewhere a plain write.
/// The file stays its owner's: this stream does not close it.
/// </summary>
internal sealed class WriteBehindStream(FileStream file) : Stream
{
    /// <summary>How many bytes are written between two starts of write-back.</summary>
    public const long Window = 8L << 20;

    private long _started;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => file.Length;
    public override long Position { get => file.Position; set => throw new NotSupportedException(); }

    /// <summary>The file was emptied for another attempt: write-back starts again from its beginning.</summary>
    public void Restart() => _started = 0;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await file.WriteAsync(buffer, cancellationToken);
        StartWriteBackPastWindow();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        StartWriteBackPastWindow();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private void StartWriteBackPastWindow()
    {
        var written = file.Position;
        if (written - _started < Window)
        {
            return;
        }
        // From one window back: what was still in the file stream's buffer at the last start was not on its way then.
        var from = Math.Max(0, _started - Window);
        StoreFile.StartWriteBack(file.SafeFileHandle, from, written - from);
        _started = written;
    }
}
