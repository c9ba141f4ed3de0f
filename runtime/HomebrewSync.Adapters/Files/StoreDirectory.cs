using System.Runtime.InteropServices;
using HomebrewSync.Core.Storage;
using Microsoft.Win32.SafeHandles;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// A folder of the store, opened from the root one part at a time with none of them followed if it is a symbolic link, and
/// then used by name in that open folder: files opened, created, renamed, linked and deleted in it (openat, renameat, linkat,
/// unlinkat). The store checks a key's path for links before it uses it; this makes the check the kernel's: a link swapped in
/// for the folder, or a folder above it, after that check cannot carry a write, a rename or a deletion out of the store.
/// On Linux; elsewhere each use of the folder's path checks it for links again and is done by path.
/// </summary>
internal sealed partial class StoreDirectory : IDisposable
{
    private readonly string _root;
    // The root first, this folder last; every level stays open so that the folders this open made can be flushed in their parents.
    private readonly List<SafeFileHandle> _levels;
    private readonly List<int> _made;

    private StoreDirectory(string root, string path, List<SafeFileHandle> levels, List<int> made)
    {
        _root = root;
        FolderPath = path;
        _levels = levels;
        _made = made;
    }

    /// <summary>The folder's path, for messages (and for every use where folders cannot be opened).</summary>
    public string FolderPath { get; }

    private SafeFileHandle? Handle => _levels.Count > 0 ? _levels[^1] : null;

    /// <summary>
    /// Whether folders are opened and used through their descriptors here (Linux, with the flags' values known): then the
    /// kernel refuses a link at any part of a path opened for reading, and the store need not look for one first.
    /// </summary>
    /// <remarks>64-bit processes only: a 32-bit one would need O_LARGEFILE for bottles past 2 GiB, and uses paths instead.</remarks>
    public static bool RefusesLinks { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess && StoreFile.NoFollowOnLinux() is not null;

    /// <summary>
    /// Opens <paramref name="relative"/> ('/'-separated, no empty, "." or ".." part; empty for the root itself) beneath
    /// <paramref name="root"/>. The root is the operator's path and may be a link; nothing below it is followed.
    /// </summary>
    /// <param name="key">The key the folder is opened for, named by a refusal.</param>
    /// <param name="create">Whether missing folders are made (with the parent of each flushed by <see cref="Flush"/>).</param>
    /// <exception cref="UnsafeStoreKeyException">A part is a symbolic link.</exception>
    /// <exception cref="DirectoryNotFoundException">A part is missing (and not made) or is not a folder.</exception>
    public static StoreDirectory Open(string root, string relative, string key, bool create)
    {
        var parts = relative.Length == 0 ? [] : relative.Split('/');
        var path = root;
        if (!RefusesLinks)
        {
            var missing = new List<int>();
            foreach (var part in parts)
            {
                path = Path.Combine(path, part);
                RefuseLink(path, key);
                if (!Directory.Exists(path))
                {
                    missing.Add(missing.Count);
                }
            }
            if (create)
            {
                Directory.CreateDirectory(path);
            }
            // Folders made here are the deepest ones: Flush flushes the folder above each, counting up from this one.
            return Directory.Exists(path) ? new StoreDirectory(root, path, [], create ? missing : []) : throw new DirectoryNotFoundException($"Could not find a part of the path '{path}'");
        }
        if (create)
        {
            // The operator's folder, made as any path is (a link there is theirs).
            Directory.CreateDirectory(root);
        }
        var levels = new List<SafeFileHandle>();
        var made = new List<int>();
        try
        {
            levels.Add(Checked(OpenAt(AtCurrentFolder, root, StoreFile.ReadFolderFlags(follow: true)), root, key));
            foreach (var part in parts)
            {
                var parent = levels[^1];
                path = Path.Combine(path, part);
                if (create && StoreFile.Use(parent, fd => MakeFolderAt(fd, part, 0x1FF)) == 0)
                {
                    made.Add(levels.Count);
                }
                else if (create && Marshal.GetLastPInvokeError() is var errno && errno != StoreFile.ErrExists)
                {
                    throw Error(errno, path, key);
                }
                levels.Add(Checked(StoreFile.Use(parent, fd => OpenAt(fd, part, StoreFile.ReadFolderFlags(follow: false))), path, key));
            }
            var opened = new StoreDirectory(root, path, levels, made);
            levels = [];
            return opened;
        }
        finally
        {
            foreach (var level in levels)
            {
                level.Dispose();
            }
        }
    }

    /// <summary>
    /// The files directly in the folder that match <paramref name="pattern"/>, links skipped: listed through the open folder
    /// (Linux's /proc/self/fd), so a link swapped in for it since it was opened lists nothing of somewhere else.
    /// </summary>
    public IReadOnlyList<FileInfo> Files(string pattern)
    {
        var options = new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        if (Handle is not { } folder || !Directory.Exists("/proc/self/fd"))
        {
            RefuseLinks(pattern);
            return new DirectoryInfo(FolderPath).GetFiles(pattern, options);
        }
        return StoreFile.Use(folder, fd => new DirectoryInfo($"/proc/self/fd/{fd}").GetFiles(pattern, options));
    }

    /// <summary>A file of the folder opened for reading as <see cref="StoreFile.OpenRead"/> opens one: never a link, a pipe or a device.</summary>
    public SafeFileHandle OpenRead(string name, string key, FileOptions options = FileOptions.None)
    {
        var path = Path.Combine(FolderPath, name);
        if (Handle is not { } folder)
        {
            RefuseLinks(name);
            return StoreFile.OpenRead(path, key, options);
        }
        if (Directory.Exists(path))
        {
            throw new UnsafeStoreKeyException(key, $"{path} is a folder, not a file");
        }
        return StoreFile.Opened(StoreFile.Use(folder, fd => OpenAt(fd, name, StoreFile.NonBlockingFlags(followLinks: false)!.Value)), path, key, followLinks: false);
    }

    /// <summary>A new file in the folder, for writing; refused where the name exists (a link there included).</summary>
    public FileStream CreateNew(string name, int bufferSize)
    {
        var path = Path.Combine(FolderPath, name);
        if (Handle is not { } folder)
        {
            RefuseLinks(name);
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize);
        }
        var fd = StoreFile.Use(folder, f => OpenAt(f, name, StoreFile.CreateNewFlags(), 0x1B6));
        if (fd < 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), path, name);
        }
        SafeFileHandle? handle = new(fd, ownsHandle: true);
        try
        {
            var stream = new FileStream(handle, FileAccess.Write, bufferSize);
            handle = null;
            return stream;
        }
        finally
        {
            handle?.Dispose();
        }
    }

    /// <summary>
    /// The folder's lock file, opened (made when missing, never through a link) and locked for this process alone (flock
    /// LOCK_EX, as .NET's <see cref="FileShare.None"/> locks on Unix, so older versions of the tool see the same lock).
    /// </summary>
    /// <exception cref="IOException">Another process holds the lock.</exception>
    public FileStream OpenLocked(string name)
    {
        var path = Path.Combine(FolderPath, name);
        if (Handle is not { } folder)
        {
            RefuseLinks(name);
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        var fd = StoreFile.Use(folder, f => OpenAt(f, name, StoreFile.OpenOrCreateFlags(), 0x1B6));
        if (fd < 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), path, name);
        }
        SafeFileHandle? handle = new(fd, ownsHandle: true);
        try
        {
            // Held by another only when the lock would block; a file system without locks (ENOLCK, ENOTSUP) is used unlocked,
            // as .NET's own exclusive open does.
            if (Lock(fd, LockExclusive | LockNonBlocking) != 0 && Marshal.GetLastPInvokeError() is var errno && errno == WouldBlock)
            {
                throw new IOException($"The process cannot access the file '{path}' because it is being used by another process ({Marshal.GetPInvokeErrorMessage(errno)}).");
            }
            var stream = new FileStream(handle, FileAccess.ReadWrite, 1);
            handle = null;
            return stream;
        }
        finally
        {
            handle?.Dispose();
        }
    }

    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int WouldBlock = 11;

    /// <summary>Renames <paramref name="fromName"/> in <paramref name="from"/> to <paramref name="name"/> here, replacing what has that name (a link included, never followed).</summary>
    public void MoveHere(StoreDirectory from, string fromName, string name)
    {
        if (Handle is not { } folder || from.Handle is not { } source)
        {
            from.RefuseLinks(fromName);
            RefuseLinks(name);
            File.Move(Path.Combine(from.FolderPath, fromName), Path.Combine(FolderPath, name), overwrite: true);
            return;
        }
        var moved = StoreFile.Use(source, s => StoreFile.Use(folder, d => RenameAt(s, fromName, d, name)));
        if (moved != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{Path.Combine(from.FolderPath, fromName)} could not be moved to {Path.Combine(FolderPath, name)}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>
    /// Makes <paramref name="name"/> a second name of <paramref name="existing"/> in this folder (link(2)): atomic, and refused
    /// where something has that name.
    /// </summary>
    /// <returns>True once linked; false when <paramref name="name"/> exists; null where no hard link can be made.</returns>
    public bool? TryLinkNew(string existing, string name)
    {
        if (Handle is not { } folder)
        {
            RefuseLinks(name);
            return StoreFile.TryLinkNew(Path.Combine(FolderPath, existing), Path.Combine(FolderPath, name));
        }
        var linked = StoreFile.Use(folder, fd => LinkAt(fd, existing, fd, name, 0));
        return StoreFile.LinkResult(linked, Path.Combine(FolderPath, name));
    }

    /// <summary>
    /// Gives <paramref name="fromName"/> in <paramref name="from"/> the name <paramref name="name"/> here as well (linkat(2)): atomic, and
    /// refused where something has that name, which is never replaced.
    /// </summary>
    /// <returns>True once linked; false when <paramref name="name"/> exists; null where no hard link can be made.</returns>
    public bool? TryLinkHere(StoreDirectory from, string fromName, string name)
    {
        if (Handle is not { } folder || from.Handle is not { } source)
        {
            from.RefuseLinks(fromName);
            RefuseLinks(name);
            return StoreFile.TryLinkNew(Path.Combine(from.FolderPath, fromName), Path.Combine(FolderPath, name));
        }
        var linked = StoreFile.Use(source, s => StoreFile.Use(folder, d => LinkAt(s, fromName, d, name, 0)));
        return StoreFile.LinkResult(linked, Path.Combine(FolderPath, name));
    }

    /// <summary>Deletes a file of the folder (a link there is removed, never followed); nothing when it is not there.</summary>
    public void Delete(string name)
    {
        var path = Path.Combine(FolderPath, name);
        if (Handle is not { } folder)
        {
            RefuseLinks(name);
            File.Delete(path);
            return;
        }
        if (StoreFile.Use(folder, fd => UnlinkAt(fd, name, 0)) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != StoreFile.ErrNoEntry)
        {
            throw errno == StoreFile.ErrAccess
                ? new UnauthorizedAccessException($"Access to the path '{path}' is denied: {Marshal.GetPInvokeErrorMessage(errno)}")
                : new IOException($"{path} could not be deleted: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>
    /// Puts the folder's entries on disk (see <see cref="StoreFile.FlushFolder"/>), then the entry of each folder this open
    /// made in the folder above it: after a power cut a new folder is not lost with the files in it.
    /// </summary>
    public void Flush()
    {
        if (Handle is not { } folder)
        {
            StoreFile.FlushFolder(FolderPath);
            var above = FolderPath;
            for (var i = 0; i < _made.Count; i++)
            {
                above = Path.GetDirectoryName(above)!;
                StoreFile.FlushFolder(above);
            }
            return;
        }
        StoreFile.FlushFolder(folder);
        foreach (var level in _made)
        {
            StoreFile.FlushFolder(_levels[level - 1]);
        }
    }

    public void Dispose()
    {
        foreach (var level in _levels)
        {
            level.Dispose();
        }
    }

    /// <summary>Where folders are used by path: each use checks again that no part below the root has become a link.</summary>
    private void RefuseLinks(string name)
    {
        var key = Path.GetRelativePath(_root, Path.Combine(FolderPath, name)).Replace(Path.DirectorySeparatorChar, '/');
        var relative = Path.GetRelativePath(_root, FolderPath);
        if (relative == ".")
        {
            return;
        }
        var path = _root;
        foreach (var part in relative.Split(Path.DirectorySeparatorChar))
        {
            path = Path.Combine(path, part);
            RefuseLink(path, key);
        }
    }

    private static void RefuseLink(string path, string key)
    {
        if (new FileInfo(path).LinkTarget is not null)
        {
            throw new UnsafeStoreKeyException(key, $"{path} is a symbolic link; links in the store are never followed");
        }
    }

    /// <summary>An opened folder's descriptor as a handle, or the refusal its open met.</summary>
    private static SafeFileHandle Checked(int fd, string path, string key) =>
        fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Error(Marshal.GetLastPInvokeError(), path, key);

    private static Exception Error(int errno, string path, string key)
    {
        var why = Marshal.GetPInvokeErrorMessage(errno);
        // A part that is a link is refused by O_NOFOLLOW, with O_DIRECTORY as "not a folder": which one, the link says.
        if (errno is StoreFile.ErrNotDirectory or StoreFile.ErrLoop && new FileInfo(path).LinkTarget is not null)
        {
            return new UnsafeStoreKeyException(key, $"{path} is a symbolic link; links in the store are never followed");
        }
        return errno switch
        {
            StoreFile.ErrNoEntry or StoreFile.ErrNotDirectory => new DirectoryNotFoundException($"Could not find a part of the path '{path}'"),
            StoreFile.ErrAccess => new UnauthorizedAccessException($"Access to the path '{path}' is denied: {why}"),
            StoreFile.ErrExists => new IOException($"The file '{path}' already exists."),
            _ => new IOException($"{path} could not be opened: {why}"),
        };
    }

    private const int AtCurrentFolder = -100;

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int folder, string name, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int folder, string name, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Lock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFolderAt(int folder, string name, int mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt(int fromFolder, string fromName, int toFolder, string toName);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkAt(int fromFolder, string fromName, int toFolder, string toName, int flags);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(int folder, string name, int flags);
}
