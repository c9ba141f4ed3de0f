namespace HomebrewSync.TestSupport;

/// <summary>Writes pass through at about a fixed rate (a slow link).</summary>
internal sealed class ThrottledStream(Stream inner, long bytesPerSecond) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        const int Slice = 8192;
        for (var i = 0; i < buffer.Length; i += Slice)
        {
            var part = buffer.Slice(i, Math.Min(Slice, buffer.Length - i));
            // The wait comes first, so even a body smaller than one slice takes its time to arrive.
            await Task.Delay(TimeSpan.FromSeconds((double)part.Length / bytesPerSecond), cancellationToken);
            await inner.WriteAsync(part, cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }
    }
}
