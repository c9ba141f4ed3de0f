using HomebrewSync.Adapters.Streams;
using Microsoft.Win32.SafeHandles;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// <paramref name="length"/> bytes of a stored file from <paramref name="offset"/> (the whole file or a byte range), then its end.
/// Reads are positional and synchronous even when asked for asynchronously: a stored file is read from the page cache almost
/// always, and handing each read to the thread pool (what an asynchronous file read is on Linux) costs more than the copy.
/// </summary>
internal sealed class StoredFileStream(SafeFileHandle handle, long offset, long length) : ReadOnlyStream
{
    private long _read;

    public override long Length => length;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, length - _read);
        if (wanted <= 0)
        {
            return 0;
        }
        var n = RandomAccess.Read(handle, buffer[..wanted], offset + _read);
        _read += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : ValueTask.FromResult(Read(buffer.Span));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }
        base.Dispose(disposing);
    }
}
