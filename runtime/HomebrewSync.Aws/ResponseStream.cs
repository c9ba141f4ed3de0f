using Amazon.S3.Model;
using HomebrewSync.Adapters.Streams;

namespace HomebrewSync.Aws;

/// <summary>A GetObject body that releases its response (and connection) when disposed.</summary>
internal sealed class ResponseStream(GetObjectResponse response) : ReadOnlyStream
{
    private readonly Stream _inner = response.ResponseStream;

    public override long Length => response.ContentLength;

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            response.Dispose();
        }
        base.Dispose(disposing);
    }
}
