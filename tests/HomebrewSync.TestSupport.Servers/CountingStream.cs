namespace HomebrewSync.TestSupport.Servers;

/// <summary>Passes writes through and reports how many bytes went by.</summary>
internal sealed class CountingStream(Stream inner, Action<int> counted) : WriteOnlyStream(inner)
{
    public override void Write(byte[] buffer, int offset, int count)
    {
        Inner.Write(buffer, offset, count);
        counted(count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Inner.WriteAsync(buffer, cancellationToken);
        counted(buffer.Length);
    }
}
