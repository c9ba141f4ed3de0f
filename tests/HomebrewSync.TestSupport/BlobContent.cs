using System.Buffers.Binary;
using System.Security.Cryptography;

namespace HomebrewSync.TestSupport;

/// <summary>
/// Deterministic bottle bytes: a seed and a length define them, so a test can serve gigabytes without
/// holding them, and two blobs with different seeds never share a sha256.
/// </summary>
public sealed class BlobContent
{
    private const int ChunkSize = 64 * 1024;

    private BlobContent(long length, ulong seed, string sha256)
    {
        Length = length;
        Seed = seed;
        Sha256 = sha256;
    }

    public long Length { get; }
    public ulong Seed { get; }
    public string Sha256 { get; }

    public static BlobContent Create(long length, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        for (long offset = 0; offset < length; offset += ChunkSize)
        {
            var n = (int)Math.Min(ChunkSize, length - offset);
            Fill(seed, offset, buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
        }
        return new BlobContent(length, seed, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The bytes from <paramref name="offset"/>, a chunk at a time.</summary>
    public async Task WriteToAsync(Stream destination, long offset, long count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = new byte[ChunkSize];
        var end = Math.Min(Length, offset + count);
        // Chunks are generated on chunk boundaries so any range reproduces the same bytes.
        var chunkStart = offset / ChunkSize * ChunkSize;
        for (var pos = chunkStart; pos < end; pos += ChunkSize)
        {
            var n = (int)Math.Min(ChunkSize, Length - pos);
            Fill(Seed, pos, buffer.AsSpan(0, n));
            var from = (int)Math.Max(0, offset - pos);
            var to = (int)Math.Min(n, end - pos);
            await destination.WriteAsync(buffer.AsMemory(from, to - from), cancellationToken);
        }
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        var buffer = new byte[ChunkSize];
        for (long offset = 0; offset < Length; offset += ChunkSize)
        {
            var n = (int)Math.Min(ChunkSize, Length - offset);
            Fill(Seed, offset, buffer.AsSpan(0, n));
            buffer.AsSpan(0, n).CopyTo(bytes.AsSpan((int)offset));
        }
        return bytes;
    }

    private static void Fill(ulong seed, long chunkOffset, Span<byte> span)
    {
        // xorshift64*, seeded per chunk: cheap, and every chunk is independent of the others.
        var x = seed * 0x9E3779B97F4A7C15UL ^ (ulong)(chunkOffset / ChunkSize + 1) * 0xBF58476D1CE4E5B9UL;
        if (x == 0)
        {
            x = 1;
        }
        // Eight bytes per step, least significant first; a tail shorter than eight takes the step's first bytes.
        Span<byte> tail = stackalloc byte[8];
        for (var i = 0; i < span.Length; i += 8)
        {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            var v = x * 0x2545F4914F6CDD1DUL;
            if (span.Length - i >= 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[i..], v);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(tail, v);
                tail[..(span.Length - i)].CopyTo(span[i..]);
            }
        }
    }
}
