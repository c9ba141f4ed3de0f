namespace HomebrewSync.TestSupport.Servers;

/// <summary>Writes pass through at about a fixed rate (a slow link).</summary>
internal sealed class ThrottledStream(Stream inner, long bytesPerSecond) : WriteOnlyStream(inner)
{
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
            await Inner.WriteAsync(part, cancellationToken);
            await Inner.FlushAsync(cancellationToken);
        }
    }
}
