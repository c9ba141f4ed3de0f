namespace HomebrewSync.Cli.Serving;

/// <summary>
/// How much of a stored body serve reads at once. Large reads (one per megabyte) are what lets it keep up with nginx's sendfile
/// on bottles (bench: a 128 KiB read made serve 0.8x nginx, a 1 MiB one 1.0x), but each holds its memory until the client has
/// taken it: so large reads are shared out of a budget, and a body that finds the budget taken (thousands of slow clients) is read
/// in small ones, as before. serve's memory for bodies is then at most the budget and a small read per connection.
/// </summary>
internal sealed class BodyChunkBudget(long budgetBytes)
{
    /// <summary>A read when the budget is taken, and every read of a body this size or smaller: no budget needed.</summary>
    public const int SmallRead = 128 * 1024;

    /// <summary>A read while the budget lasts.</summary>
    public const int LargeRead = 1024 * 1024;

    /// <summary>The budget <c>serve</c> runs with: 64 large reads in flight at once.</summary>
    public const long DefaultBudget = 64L * LargeRead;

    private long _taken;

    /// <summary>Bytes of large reads in flight now.</summary>
    public long Taken => Interlocked.Read(ref _taken);

    /// <summary>
    /// The size of the next read of a body with <paramref name="remaining"/> bytes left: large when the budget has room for it
    /// (then taken from it: give it back with <see cref="Return"/> once the read has been sent), else small.
    /// </summary>
    public int Take(long remaining)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(remaining);
        if (remaining <= SmallRead)
        {
            return (int)remaining;
        }
        var size = (int)Math.Min(remaining, LargeRead);
        // Taken only when it fits, never past the budget even for a moment.
        for (var taken = Interlocked.Read(ref _taken); taken + size <= budgetBytes;)
        {
            var seen = Interlocked.CompareExchange(ref _taken, taken + size, taken);
            if (seen == taken)
            {
                return size;
            }
            taken = seen;
        }
        return SmallRead;
    }

    /// <summary>Gives back what <see cref="Take"/> took for a read of <paramref name="size"/> (nothing for a small one).</summary>
    public void Return(int size)
    {
        if (size > SmallRead)
        {
            Interlocked.Add(ref _taken, -size);
        }
    }
}
