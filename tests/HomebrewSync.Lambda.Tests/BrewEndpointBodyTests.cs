namespace HomebrewSync.Lambda.Tests;

/// <summary>
/// How the deployed endpoint reads an inline body: exactly the length its answer announced (the object's size when it was
/// looked up), whatever the store's GET then returns.
/// </summary>
public sealed class BrewEndpointBodyTests
{
    /// <summary>A body of <paramref name="size"/> bytes (each its offset's low byte) that counts what was read from it.</summary>
    private sealed class CountingBody(long size) : Stream
    {
        public long Taken { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, size - Taken);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = (byte)(Taken + i);
            }
            Taken += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Taken; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task AnObjectReplacedByALargerOne_IsReadOnlyToTheAnnouncedLength()
    {
        // Looked up at 1 MB, replaced by a 1 GB object before the GET: 1 MB is read, not the gigabyte.
        var body = new CountingBody(1L << 30);

        var read = await BrewEndpointFunction.ReadBodyAsync(body, 1 << 20);

        Assert.Equal(1 << 20, read.Length);
        Assert.Equal(1 << 20, body.Taken);
        Assert.Equal(0xFF, read[^1]);
    }

    [Fact]
    public async Task AnObjectThatEndsBeforeTheAnnouncedLength_IsAnError_NotAShortAnswer()
    {
        await Assert.ThrowsAsync<EndOfStreamException>(() => BrewEndpointFunction.ReadBodyAsync(new CountingBody(1000), 1001));
    }

    [Fact]
    public async Task AnEmptyObject_IsAnEmptyBody()
    {
        var body = new CountingBody(5);

        Assert.Empty(await BrewEndpointFunction.ReadBodyAsync(body, 0));
        Assert.Equal(0, body.Taken);
    }

    [Fact]
    public async Task ALengthPastTheInlineLimit_IsRefusedBeforeAnythingIsRead()
    {
        var body = new CountingBody(BrewEndpointFunction.InlineLimit + 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => BrewEndpointFunction.ReadBodyAsync(body, BrewEndpointFunction.InlineLimit + 1));
        Assert.Equal(0, body.Taken);
    }
}
