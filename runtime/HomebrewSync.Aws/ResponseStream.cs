using Amazon.S3.Model;
using HomebrewSync.Adapters.Streams;

namespace HomebrewSync.Aws;

/// <summary>A GetObject body that releases its response (and connection) when disposed.</summary>
internal sealed class ResponseStream(GetObjectResponse response) : ReadOnlyStream(response.ResponseStream)
{
    public override long Length => response.ContentLength;

    public override int Read(Span<byte> buffer) => Inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Inner.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            response.Dispose();
        }
    }
}
