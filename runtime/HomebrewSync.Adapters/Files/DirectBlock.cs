using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// A block of <see cref="DirectWriteStream.BlockSize"/> bytes at an address a direct write takes (aligned to 4 KiB, which
/// covers 512-byte and 4 KiB sectors), in a pinned array that the garbage collector never moves. Kept in a small pool:
/// each staged bottle needs two, and a sync stages hundreds.
/// </summary>
internal sealed class DirectBlock
{
    private const int Alignment = 4096;
    private const int Pooled = 32;
    private static readonly ConcurrentQueue<DirectBlock> Pool = new();

    private readonly byte[] _array;
    private readonly int _start;

    private DirectBlock()
    {
        _array = GC.AllocateUninitializedArray<byte>(DirectWriteStream.BlockSize + Alignment, pinned: true);
        var address = (long)Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0);
        _start = (int)((Alignment - (address % Alignment)) % Alignment);
    }

    public Memory<byte> Memory => _array.AsMemory(_start, DirectWriteStream.BlockSize);

    public static DirectBlock Rent() => Pool.TryDequeue(out var block) ? block : new DirectBlock();

    /// <summary>Back to the pool, unless it holds enough; the caller no longer writes from it.</summary>
    public void Return()
    {
        if (Pool.Count < Pooled)
        {
            Pool.Enqueue(this);
        }
    }
}
