using System.Runtime.InteropServices;

namespace HomebrewSync.Bench;

/// <summary>
/// CPU time (user and system, seconds) used so far by this process and by its children that have ended (getrusage(2)):
/// what a transfer costs on a machine whose cores it fills, beside how long it took.
/// </summary>
internal static partial class CpuClock
{
    private const int Self = 0;
    private const int Children = -1;

    public readonly record struct Reading(double Process, double EndedChildren)
    {
        public static Reading operator -(Reading a, Reading b) => new(a.Process - b.Process, a.EndedChildren - b.EndedChildren);
    }

    public static Reading Now() => new(Of(Self), Of(Children));

    // Microseconds are read from their low 32 bits: a long on 64-bit Linux, an int and padding on macOS; always under 10^6.
    private static double Of(int who) => getrusage(who, out var u) == 0
        ? u.UserSeconds + (int)u.UserMicroseconds / 1e6 + u.SystemSeconds + (int)u.SystemMicroseconds / 1e6
        : double.NaN;

    /// <summary>struct rusage on 64-bit Linux and macOS: two timevals, then fourteen longs this class does not read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int getrusage(int who, out RUsage usage);
}
