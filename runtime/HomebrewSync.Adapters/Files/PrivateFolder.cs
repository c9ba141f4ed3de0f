using System.Runtime.InteropServices;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// A local folder where this process keeps what it trusts (staged bottles it verified, the git cache whose hooks and config
/// git runs): one another user could write in could change a verified bottle before it is uploaded, or plant a hook.
/// </summary>
public static partial class PrivateFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Makes the folder (mode 0700) when it is missing; finds fault with one that exists and belongs to another user, or that
    /// other users may write in. A sticky folder of this user's or root's (as /tmp) is fine: others cannot touch what is not
    /// theirs in it.
    /// </summary>
    /// <param name="what">What the folder is, for the refusal (<c>TEMP_DIR</c>).</param>
    /// <returns>Why the folder is not this user's alone, or null when it is.</returns>
    /// <exception cref="IOException">The folder could not be made.</exception>
    public static string? Ensure(string path, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return null;
        }
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }
        var mode = File.GetUnixFileMode(path);
        var me = OperatingSystem.IsLinux() ? EffectiveUser() : (uint?)null;
        var owner = me is null ? null : OwnerOf(path);
        if (owner is { } o && me is { } uid)
        {
            // Root's own folder, or this user's: the owner can rename anything in it, so no one else may own it.
            if (o != uid && o != 0)
            {
                return $"{what} {path} belongs to another user (uid {o}), who could change what is kept there; use a folder of your own";
            }
            if (o != uid && (mode & UnixFileMode.StickyBit) == 0)
            {
                return $"{what} {path} belongs to root and is not this user's (uid {uid}); use a folder of your own";
            }
        }
        else
        {
            try
            {
                // Where the owner cannot be read: only a folder's owner (or root) may set its mode, so setting the mode it has is the test.
                File.SetUnixFileMode(path, mode);
            }
            catch (UnauthorizedAccessException)
            {
                return $"{what} {path} belongs to another user, who could change what is kept there; use a folder of your own";
            }
        }
        return (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 && (mode & UnixFileMode.StickyBit) == 0
            ? $"{what} {path} may be written by other users (mode {Convert.ToString((int)mode & 0x1FF, 8)}), who could change what is kept there; remove their write access (chmod go-w) or use a folder of your own"
            : null;
    }

    /// <summary>The folder's owner (statx: one layout on every Linux architecture), following a link to it; null when it cannot be read.</summary>
    private static uint? OwnerOf(string path)
    {
        const int AtCurrentFolder = -100;
        const uint WantUid = 0x8;
        Span<byte> buffer = stackalloc byte[256];
        // struct statx: stx_mask (u32) at 0, stx_uid (u32) at 20.
        try
        {
            return StatX(AtCurrentFolder, path, 0, WantUid, ref MemoryMarshal.GetReference(buffer)) == 0 && (MemoryMarshal.Read<uint>(buffer) & WantUid) != 0
                ? MemoryMarshal.Read<uint>(buffer[20..])
                : null;
        }
        catch (EntryPointNotFoundException)
        {
            // A C library older than statx (glibc 2.28): the mode test instead.
            return null;
        }
    }

    private static uint? EffectiveUser()
    {
        try
        {
            return GetEffectiveUser();
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUser();

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatX(int folder, string path, int flags, uint mask, ref byte buffer);
}
