using HomebrewSync.Adapters.Files;
using HomebrewSync.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace HomebrewSync.Adapters.Tests.Files;

/// <summary>
/// The race a check of a path cannot close: the store checks a key's folders for links, then someone swaps a folder for a
/// link to somewhere else, then the store deletes, writes or renames by that path. A folder the store opened is used by its
/// descriptor, so what is done lands in the store's own folder (wherever it was moved), never where a link now points.
/// </summary>
public sealed class StoreDirectoryTests : IDisposable
{
    private const string Key = "2025-07-01/curl-8.0.monterey.bottle.tar.gz";
    private const string Name = "curl-8.0.monterey.bottle.tar.gz";
    private readonly string _base = Directory.CreateTempSubdirectory("hbs-storedir-").FullName;
    private readonly string _root;
    private readonly string _outside;

    public StoreDirectoryTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_base, "store")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_base, "outside")).FullName;
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    /// <summary>The day's folder opened, then moved aside within the store and replaced by a link to a folder outside with a file of the same name.</summary>
    private (StoreDirectory Folder, string MovedTo, string Victim) OpenThenSwapForALink()
    {
        var day = Directory.CreateDirectory(Path.Combine(_root, "2025-07-01")).FullName;
        File.WriteAllText(Path.Combine(day, Name), "the store's");
        var victim = Path.Combine(_outside, Name);
        File.WriteAllText(victim, "not the store's");
        var folder = StoreDirectory.Open(_root, "2025-07-01", Key, create: false);
        var movedTo = Path.Combine(_root, "moved-away");
        Directory.Move(day, movedTo);
        Directory.CreateSymbolicLink(day, _outside);
        return (folder, movedTo, victim);
    }

    [Fact]
    public void Delete_AfterTheFolderWasSwappedForALink_DeletesInTheStoresFolder_NotWhereTheLinkPoints()
    {
        var (folder, movedTo, victim) = OpenThenSwapForALink();
        using (folder)
        {
            folder.Delete(Name);
        }

        Assert.Equal("not the store's", File.ReadAllText(victim));
        Assert.False(File.Exists(Path.Combine(movedTo, Name)));
    }

    [Fact]
    public async Task ReplaceAndMove_AfterTheFolderWasSwappedForALink_WriteNothingWhereTheLinkPoints()
    {
        var (folder, movedTo, victim) = OpenThenSwapForALink();
        using (folder)
        {
            await AtomicFile.ReplaceAsync(folder, Name, "new bytes"u8.ToArray(), CancellationToken.None);
            using var staging = StoreDirectory.Open(_root, ".staging", ".staging", create: true);
            using (var staged = staging.CreateNew("x.part", 1))
            {
                staged.Write("staged"u8);
            }
            folder.MoveHere(staging, "x.part", "wget-1.0.monterey.bottle.tar.gz");
        }

        Assert.Equal("not the store's", File.ReadAllText(victim));
        Assert.Equal([victim], Directory.GetFileSystemEntries(_outside));
        Assert.Equal("new bytes", File.ReadAllText(Path.Combine(movedTo, Name)));
        Assert.Equal("staged", File.ReadAllText(Path.Combine(movedTo, "wget-1.0.monterey.bottle.tar.gz")));
    }

    [Fact]
    public void OpenRead_AfterTheFolderWasSwappedForALink_ReadsTheStoresFile()
    {
        var (folder, _, _) = OpenThenSwapForALink();
        using (folder)
        {
            using var handle = folder.OpenRead(Name, Key);
            var bytes = new byte[64];
            var n = RandomAccess.Read(handle, bytes, 0);

            Assert.Equal("the store's", System.Text.Encoding.UTF8.GetString(bytes, 0, n));
        }
    }

    [Fact]
    public void Files_AfterTheFolderWasSwappedForALink_ListsTheStoresFolder_NotWhereTheLinkPoints()
    {
        var (folder, _, _) = OpenThenSwapForALink();
        File.WriteAllText(Path.Combine(_outside, "someone-elses.part"), "not the store's");
        File.WriteAllText(Path.Combine(_root, "moved-away", "left.part"), "the store's");
        using (folder)
        {
            Assert.Equal(["left.part"], folder.Files("*.part").Select(f => f.Name));
        }
    }

    [Fact]
    public void OpenLocked_IsHeldByOneAtATime_AgainstThisOpenAndDotNetsOwnExclusiveOpen()
    {
        using var root = StoreDirectory.Open(_root, "", ".bottles_hash.lock", create: false);
        var path = Path.Combine(_root, ".bottles_hash.lock");
        using (root.OpenLocked(".bottles_hash.lock"))
        {
            Assert.ThrowsAny<IOException>(() => root.OpenLocked(".bottles_hash.lock"));
            // What earlier versions of the tool open the lock with.
            Assert.ThrowsAny<IOException>(() => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None).Dispose());
        }
        // Free again once closed; a process this one starts meanwhile (other tests' git, the CLI) holds a copy of the open file
        // until it execs, so the lock is asked again for a moment.
        using (Soon(() => root.OpenLocked(".bottles_hash.lock")))
        {
        }
        using (Soon(() => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)))
        {
            Assert.ThrowsAny<IOException>(() => root.OpenLocked(".bottles_hash.lock"));
        }
    }

    private static FileStream Soon(Func<FileStream> open)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return open();
            }
            catch (IOException) when (attempt < 100)
            {
                Thread.Sleep(20);
            }
        }
    }

    [Fact]
    public void OpenLocked_ALinkSwappedInForTheLockFile_IsRefused_AndNothingIsMadeWhereItPoints()
    {
        using var root = StoreDirectory.Open(_root, "", ".bottles_hash.lock", create: false);
        var target = Path.Combine(_outside, "made-by-the-lock");
        File.CreateSymbolicLink(Path.Combine(_root, ".bottles_hash.lock"), target);

        Assert.Throws<UnsafeStoreKeyException>(() => root.OpenLocked(".bottles_hash.lock"));

        Assert.False(File.Exists(target));
    }

    [Theory]
    [InlineData("2025-07-01")]
    [InlineData("manifests/curl")]
    public void Open_ALinkAnywhereBelowTheRoot_IsRefused_AndNothingIsMadeWhereItPoints(string relative)
    {
        var first = Path.Combine(_root, relative.Split('/')[0]);
        Directory.CreateSymbolicLink(first, _outside);

        var refused = Assert.Throws<UnsafeStoreKeyException>(() => StoreDirectory.Open(_root, relative, $"{relative}/x.json", create: true));

        Assert.Contains($"{first} is a symbolic link; links in the store are never followed", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_outside));
    }

    [Fact]
    public async Task DeleteAsync_WhileTheDayFolderIsSwappedForALinkOverAndOver_NeverDeletesOutsideTheStore()
    {
        // The store's own check of the path, then its delete: a link swapped in between the two, run against a swapper that
        // never stops, must never lead the delete outside.
        var store = new LocalFolderStore(_root, new FakeTimeProvider());
        var day = Path.Combine(_root, "2025-07-01");
        var aside = Path.Combine(_root, "aside");
        var victim = Path.Combine(_outside, Name);
        Directory.CreateDirectory(day);
        using var stop = new CancellationTokenSource();
        var swapper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Directory.Move(day, aside);
                Directory.CreateSymbolicLink(day, _outside);
                File.Delete(day);
                Directory.Move(aside, day);
            }
        });
        try
        {
            for (var i = 0; i < 3000 && !swapper.IsCompleted; i++)
            {
                await File.WriteAllTextAsync(victim, "not the store's");
                try
                {
                    await store.DeleteAsync(Key, CancellationToken.None);
                }
                catch (Exception ex) when (ex is UnsafeStoreKeyException or DirectoryNotFoundException or IOException)
                {
                    // Refused, or the folder was away at that moment: either way nothing outside may go.
                }
                Assert.True(File.Exists(victim), $"attempt {i}: the delete followed the link out of the store");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await swapper;
        }
    }
}
