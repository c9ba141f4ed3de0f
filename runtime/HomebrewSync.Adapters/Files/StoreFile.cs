using System.Runtime.InteropServices;
using HomebrewSync.Core.Storage;
using Microsoft.Win32.SafeHandles;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// How the folder store opens its files for reading: never blocking on one that is not a file. A named pipe (mkfifo)
/// opened the usual way blocks until something writes to it, and the command would hang there, deaf to SIGTERM; a
/// socket or a device is no file of the store's either. On Linux and macOS the open does not wait (O_NONBLOCK) and
/// anything that cannot seek is refused, as a link is: an <see cref="UnsafeStoreKeyException"/> naming the key.
/// </summary>
internal static partial class StoreFile
{
    private const int SeekCurrent = 1;
    private const int SetFlags = 4;
    internal const int ErrNoEntry = 2;
    internal const int ErrNotDirectory = 20;
    internal const int ErrAccess = 13;
    internal const int ErrExists = 17;
    internal const int ErrLoop = 40;

    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A folder on the way is missing.</exception>
    /// <exception cref="UnsafeStoreKeyException">A folder, a named pipe, a socket or a device.</exception>
    /// <param name="followLinks">
    /// Whether a link at the path's last part is followed: never for the store's own files (a link there could lead out of
    /// the store); for files the operator names outside it (a token file, a <c>file://</c> catalog's API files), which are often
    /// links (a Kubernetes secret's file is one), yes.
    /// </param>
    public static SafeFileHandle OpenRead(string path, string key, FileOptions options = FileOptions.None, bool followLinks = false)
    {
        if (Directory.Exists(path))
        {
            throw new UnsafeStoreKeyException(key, $"{path} is a folder, not a file");
        }
        if (NonBlockingFlags(followLinks) is not { } flags)
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, options);
        }
        return Opened(Open(path, flags), path, key, followLinks);
    }

    /// <summary>
    /// The descriptor an open as <see cref="OpenRead"/>'s returned (an openat in a folder of the store's too), as a handle
    /// to a file, or the refusal it met: a link, a missing file, a pipe, a socket or a device.
    /// </summary>
    internal static SafeFileHandle Opened(int fd, string path, string key, bool followLinks)
    {
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var why = Marshal.GetPInvokeErrorMessage(errno);
            if (!followLinks && IsLinkRefused(errno))
            {
                throw new UnsafeStoreKeyException(key, $"{path} is a symbolic link; links in the store are never followed");
            }
            throw errno switch
            {
                ErrNoEntry => new FileNotFoundException($"Could not find file '{path}'", path),
                ErrNotDirectory => new DirectoryNotFoundException($"Could not find a part of the path '{path}'"),
                ErrAccess => new UnauthorizedAccessException($"Access to the path '{path}' is denied: {why}"),
                // ENXIO: a socket; anything else the open refused.
                _ => new UnsafeStoreKeyException(key, $"{path} cannot be opened as a file ({why})"),
            };
        }
        var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        if (Seek(fd, 0, SeekCurrent) < 0)
        {
            handle.Dispose();
            throw new UnsafeStoreKeyException(key, $"{path} is not a regular file (a named pipe, a socket or a device); the store holds only files");
        }
        // A file from here on: reads block as any file's do.
        _ = SetStatusFlags(fd, SetFlags, 0);
        return handle;
    }

    /// <summary>The whole of an open file of the store (<paramref name="path"/> names it), refused past a document's or a lease's limit (<see cref="StoredDocument.TooLarge"/>) with its name rather than read.</summary>
    /// <exception cref="StoreAccessException">Larger than the limit.</exception>
    public static async Task<byte[]> ReadAllBytesAsync(SafeFileHandle handle, string path, CancellationToken cancellationToken, bool lease = false)
    {
        var (bytes, length) = await ReadAtMostAsync(handle, lease ? StoredDocument.MaxLeaseBytes : StoredDocument.MaxBytes, cancellationToken);
        return bytes ?? throw new StoreAccessException(StoredDocument.TooLarge(path, length, lease)!);
    }

    /// <summary>
    /// The file opened as <see cref="OpenRead"/> opens it and measured: its bytes when it holds at most <paramref name="maxBytes"/>,
    /// else none (it is not read); its length either way, for the caller's own refusal.
    /// </summary>
    public static async Task<(byte[]? Bytes, long Length)> ReadAtMostAsync(string path, string key, long maxBytes, CancellationToken cancellationToken, bool followLinks = false)
    {
        using var handle = OpenRead(path, key, followLinks: followLinks);
        return await ReadAtMostAsync(handle, maxBytes, cancellationToken);
    }

    /// <summary>An open file's bytes when it holds at most <paramref name="maxBytes"/>, else none; its length either way.</summary>
    public static async Task<(byte[]? Bytes, long Length)> ReadAtMostAsync(SafeFileHandle handle, long maxBytes, CancellationToken cancellationToken)
    {
        var length = RandomAccess.GetLength(handle);
        return length > maxBytes ? (null, length) : (await ReadAsync(handle, length, cancellationToken), length);
    }

    /// <summary>The first <paramref name="length"/> bytes of an open file (its measured length), or fewer when it has since shrunk (replaced meanwhile): what there was.</summary>
    private static async Task<byte[]> ReadAsync(SafeFileHandle handle, long length, CancellationToken cancellationToken)
    {
        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), read, cancellationToken);
            if (n == 0)
            {
                return bytes[..read];
            }
            read += n;
        }
        return bytes;
    }

    /// <summary>
    /// Makes a folder's entries (a file renamed into it, a folder made in it) survive a power cut, as fsync does a file's
    /// bytes: without it a crash can leave the rename undone while the hash file that lists the file is on disk. Linux and
    /// macOS; elsewhere nothing is done.
    /// </summary>
    /// <remarks>
    /// Best effort, and never an error: it runs after a rename that succeeded, and some file systems cannot flush a folder
    /// (fsync on one is EINVAL on some network and FUSE mounts), as PostgreSQL and SQLite also allow. The file's own bytes were
    /// flushed before the rename, and that flush does report its errors. On macOS the drive's cache is flushed too (F_FULLFSYNC).
    /// </remarks>
    public static void FlushFolder(string folder)
    {
        int? flags = OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsMacOS() ? 0x1000000 : null;
        if (flags is not { } readOnlyCloseOnExec)
        {
            return;
        }
        var fd = Open(folder, readOnlyCloseOnExec);
        if (fd < 0)
        {
            return;
        }
        using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        FlushFolder(handle);
    }

    /// <summary>An open folder's entries on disk, as <see cref="FlushFolder(string)"/> puts them.</summary>
    public static void FlushFolder(SafeFileHandle folder)
    {
        _ = Use(folder, fd => !OperatingSystem.IsMacOS() || FullFsync(fd, MacFullFsync, 0) < 0 ? Fsync(fd) : 0);
    }

    private const int MacFullFsync = 51;

    /// <summary>
    /// Starts writing a file's range to disk without waiting for it (Linux's sync_file_range with SYNC_FILE_RANGE_WRITE), so a
    /// later flush (fsync) has little left to wait for. Best effort: elsewhere, or when it fails, nothing is done, and that
    /// flush still writes and reports everything.
    /// </summary>
    public static void StartWriteBack(SafeFileHandle file, long offset, long count)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return;
        }
        _ = Use(file, fd => SyncFileRange(fd, offset, count, SyncFileRangeWrite));
    }

    private const uint SyncFileRangeWrite = 2;

    /// <summary>
    /// Sets or clears O_DIRECT on an open file (fcntl's F_SETFL): whether the file is now written as asked. Only on Linux where
    /// the flag's value is known (it differs by architecture); false elsewhere, and where the file system takes no direct
    /// writes (EINVAL).
    /// </summary>
    public static bool TrySetDirect(SafeFileHandle file, bool on)
    {
        if (!OperatingSystem.IsLinux() || DirectOnLinux() is not { } direct)
        {
            return false;
        }
        return Use(file, fd =>
        {
            var flags = SetStatusFlags(fd, GetFlags, 0);
            return flags >= 0 && SetStatusFlags(fd, SetFlags, on ? flags | direct : flags & ~direct) == 0;
        });
    }

    private const int GetFlags = 3;

    /// <summary>
    /// Whether an open file is on a local disk's file system that direct writes suit (ext2/3/4, XFS, Btrfs, by fstatfs's
    /// f_type): not on a network or FUSE mount, where each direct write is a round trip of its own, nor in memory (tmpfs).
    /// </summary>
    public static unsafe bool TakesDirectWrites(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return false;
        }
        var type = Use(file, fd =>
        {
            // struct statfs is 120 bytes on 64-bit Linux, f_type its first field.
            var buffer = new long[32];
            fixed (long* statfs = buffer)
            {
                return FStatFs(fd, statfs) == 0 ? buffer[0] : -1;
            }
        });
        return type is Ext4 or Xfs or Btrfs;
    }

    private const long Ext4 = 0xEF53;
    private const long Xfs = 0x58465342;
    private const long Btrfs = 0x9123683E;

    /// <summary>O_DIRECT by architecture; null where not known here.</summary>
    private static int? DirectOnLinux() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => null,
    };

    /// <summary>Runs a call on a handle's descriptor, the handle kept open (not closed by another thread) meanwhile.</summary>
    internal static T Use<T>(SafeFileHandle handle, Func<int, T> call)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return call((int)handle.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="newPath"/> a second name of <paramref name="existing"/> (link(2)): atomic, and refused where
    /// something already has that name, as a rename (which replaces) is not.
    /// </summary>
    /// <returns>True once linked; false when <paramref name="newPath"/> exists; null where links cannot be made (another
    /// system, or a file system without hard links) and the caller must do without.</returns>
    /// <exception cref="IOException">Any other failure.</exception>
    public static bool? TryLinkNew(string existing, string newPath)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }
        return LinkResult(Link(existing, newPath), newPath);
    }

    /// <summary>What a link(2) or linkat(2) that returned <paramref name="result"/> means, as <see cref="TryLinkNew"/> returns it.</summary>
    internal static bool? LinkResult(int result, string newPath)
    {
        if (result == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            ErrExists => false,
            // EPERM, ENOTSUP/EOPNOTSUPP (Linux 95, macOS 45), EMLINK: no hard link here.
            1 or 95 or 45 or 31 => null,
            _ => throw new IOException($"{newPath} could not be created: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }

    /// <summary>
    /// O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW where their values are known; null elsewhere (Windows has no named pipes
    /// in folders). O_NOFOLLOW: a file swapped for a link between the store's check of its path and this open is refused by
    /// the kernel (ELOOP) instead of followed out of the store. Its value differs between Linux's x64 and Arm builds.
    /// </summary>
    internal static int? NonBlockingFlags(bool followLinks) =>
        OperatingSystem.IsLinux() && NoFollowOnLinux() is { } noFollow ? 0x800 | 0x80000 | (followLinks ? 0 : noFollow)
        : OperatingSystem.IsMacOS() ? 0x4 | 0x1000000 | (followLinks ? 0 : 0x100)
        : null;

    /// <summary>O_NOFOLLOW by architecture (it differs); null where not known here, and the usual open is used.</summary>
    internal static int? NoFollowOnLinux() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm64 or Architecture.Arm or Architecture.Ppc64le => 0x8000,
        Architecture.X64 or Architecture.X86 or Architecture.S390x or Architecture.RiscV64 or Architecture.LoongArch64 => 0x20000,
        _ => null,
    };

    /// <summary>
    /// Linux's O_RDONLY | O_DIRECTORY | O_CLOEXEC, and O_NOFOLLOW unless <paramref name="follow"/>: a folder, never a link to one
    /// (refused with ENOTDIR). O_DIRECTORY differs by architecture as O_NOFOLLOW does. Only where <see cref="NoFollowOnLinux"/> is known.
    /// </summary>
    internal static int ReadFolderFlags(bool follow)
    {
        var noFollow = NoFollowOnLinux()!.Value;
        return (noFollow == 0x8000 ? 0x4000 : 0x10000) | 0x80000 | (follow ? 0 : noFollow);
    }

    /// <summary>Linux's O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW: a new file, never one that exists or a link's target.</summary>
    internal static int CreateNewFlags() => 0x1 | 0x40 | 0x80 | 0x80000 | NoFollowOnLinux()!.Value;

    /// <summary>Linux's O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW: a file opened or made, never a link's target.</summary>
    internal static int OpenOrCreateFlags() => 0x2 | 0x40 | 0x80000 | NoFollowOnLinux()!.Value;

    /// <summary>ELOOP: the last part of the path is a symbolic link (O_NOFOLLOW).</summary>
    private static bool IsLinkRefused(int errno) => errno == (OperatingSystem.IsMacOS() ? 62 : ErrLoop);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FullFsync(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    private static unsafe partial int FStatFs(int fd, long* buffer);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Seek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int SetStatusFlags(int fd, int command, int flags);
}
