namespace HomebrewSync.Core.Registry;

/// <summary>An open blob: its body and the length the server announced. Disposing it releases the connection.</summary>
public sealed class BlobDownload : IAsyncDisposable
{
    private readonly IDisposable? _owner;

    public BlobDownload(Stream body, long? length, IDisposable? owner = null)
    {
        Body = body;
        Length = length;
        _owner = owner;
    }

    public Stream Body { get; }

    /// <summary>Content-Length, when the server sent one: a body that ends early is a transient failure.</summary>
    public long? Length { get; }

    public async ValueTask DisposeAsync()
    {
        await Body.DisposeAsync();
        _owner?.Dispose();
    }
}
