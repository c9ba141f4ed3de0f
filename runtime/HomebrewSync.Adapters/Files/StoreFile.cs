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
    private const int ErrNoEntry = 2;
    private const int ErrNotDirectory = 20;
    private const int ErrAccess = 13;

    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A folder on the way is missing.</exception>
    /// <exception cref="UnsafeStoreKeyException">A folder, a named pipe, a socket or a device.</exception>
    public static SafeFileHandle OpenRead(string path, string key, FileOptions options = FileOptions.None)
    {
        if (Directory.Exists(path))
        {
            throw new UnsafeStoreKeyException(key, $"{path} is a folder, not a file");
        }
        if (NonBlockingFlags() is not { } flags)
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, options);
        }
        var fd = Open(path, flags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var why = Marshal.GetPInvokeErrorMessage(errno);
            if (IsLinkRefused(errno))
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

    /// <summary>The whole file, refused past a document's or a lease's limit (<see cref="StoredDocument.TooLarge"/>) with its name rather than read.</summary>
    /// <exception cref="StoreAccessException">Larger than the limit.</exception>
    public static async Task<byte[]> ReadAllBytesAsync(string path, string key, CancellationToken cancellationToken, bool lease = false)
    {
        var (bytes, length) = await ReadAtMostAsync(path, key, lease ? StoredDocument.MaxLeaseBytes : StoredDocument.MaxBytes, cancellationToken);
        return bytes ?? throw new StoreAccessException(StoredDocument.TooLarge(path, length, lease)!);
    }

    /// <summary>
    /// The file opened as <see cref="OpenRead"/> opens it and measured: its bytes when it holds at most <paramref name="maxBytes"/>,
    /// else none (it is not read); its length either way, for the caller's own refusal.
    /// </summary>
    public static async Task<(byte[]? Bytes, long Length)> ReadAtMostAsync(string path, string key, long maxBytes, CancellationToken cancellationToken)
    {
        using var handle = OpenRead(path, key);
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
    /// <exception cref="IOException">The folder could not be opened or flushed.</exception>
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
            throw new IOException($"{folder} could not be opened to flush it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        if (Fsync(fd) < 0)
        {
            throw new IOException($"{folder} could not be flushed to disk: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>
    /// O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW where their values are known; null elsewhere (Windows has no named pipes
    /// in folders). O_NOFOLLOW: a file swapped for a link between the store's check of its path and this open is refused by
    /// the kernel (ELOOP) instead of followed out of the store. Its value differs between Linux's x64 and Arm builds.
    /// </summary>
    private static int? NonBlockingFlags() =>
        OperatingSystem.IsLinux() ? 0x800 | 0x80000 | (RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000)
        : OperatingSystem.IsMacOS() ? 0x4 | 0x1000000 | 0x100
        : null;

    /// <summary>ELOOP: the last part of the path is a symbolic link (O_NOFOLLOW).</summary>
    private static bool IsLinkRefused(int errno) => errno == (OperatingSystem.IsMacOS() ? 62 : 40);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Seek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int SetStatusFlags(int fd, int command, int flags);
}
