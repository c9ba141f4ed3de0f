using System.Runtime.Versioning;
using HomebrewSync.Adapters.Files;

namespace HomebrewSync.Adapters.Tests.Files;

/// <summary>Where verified bottles wait and git's cache lives: this user's alone, or sticky (as /tmp).</summary>
[UnsupportedOSPlatform("windows")]
public sealed class PrivateFolderTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("hbs-private-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public void AMissingFolder_IsMadeForThisUserAlone()
    {
        var path = Path.Combine(_base, "staging");

        Assert.Null(PrivateFolder.Ensure(path, "TEMP_DIR"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
    }

    [Fact]
    public void AFolderOthersMayWriteIn_IsRefused_UnlessSticky()
    {
        var open = Directory.CreateDirectory(Path.Combine(_base, "open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0x1FF);
        var sticky = Directory.CreateDirectory(Path.Combine(_base, "sticky")).FullName;
        File.SetUnixFileMode(sticky, (UnixFileMode)0x3FF);

        Assert.Equal($"TEMP_DIR {open} may be written by other users (mode 777), who could change what is kept there; remove their write access (chmod go-w) or use a folder of your own",
            PrivateFolder.Ensure(open, "TEMP_DIR"));
        Assert.Null(PrivateFolder.Ensure(sticky, "TEMP_DIR"));
        Assert.Null(PrivateFolder.Ensure(Path.GetTempPath(), "TEMP_DIR"));
    }
}
