using HomebrewSync.Adapters.Streams;

namespace HomebrewSync.Adapters.Files;

/// <summary>Reads at most a given number of bytes of another stream (a byte range), then reports its end.</summary>
internal sealed class BoundedStream(Stream inner, long limit) : ReadOnlyStream(inner)
{
    private long _read;

    public override long Length => limit;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer[..(int)Math.Min(buffer.Length, limit - _read)]);
        _read += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, limit - _read)], cancellationToken);
        _read += n;
        return n;
    }

    public override ValueTask DisposeAsync() => Inner.DisposeAsync();
}
