namespace HomebrewSync.TestSupport.Servers;

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

    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _sent;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        const int Slice = 16 * 1024;
        for (var i = 0; i < buffer.Length; i += Slice)
        {
            var part = buffer.Slice(i, Math.Min(Slice, buffer.Length - i));
            // Paced against the clock since the first byte: each slice leaves when the rate allows it (the wait comes
            // first, so even a body smaller than one slice takes its time), and timer slack does not accumulate.
            _sent += part.Length;
            var due = TimeSpan.FromSeconds((double)_sent / bytesPerSecond) - System.Diagnostics.Stopwatch.GetElapsedTime(_started);
            if (due > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(due, cancellationToken);
            }
            await inner.WriteAsync(part, cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }
    }
}
