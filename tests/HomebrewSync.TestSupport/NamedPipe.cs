using System.Diagnostics;

namespace HomebrewSync.TestSupport;

/// <summary>A named pipe (mkfifo) where a file is expected: opened the usual way, it blocks until something writes to it.</summary>
public static class NamedPipe
{
    /// <summary>Replaces whatever is at <paramref name="path"/> with a named pipe.</summary>
    public static async Task CreateAsync(string path)
    {
        File.Delete(path);
        using var mkfifo = Process.Start("mkfifo", [path]) ?? throw new InvalidOperationException("mkfifo did not start");
        await mkfifo.WaitForExitAsync();
        if (mkfifo.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkfifo {path} exited {mkfifo.ExitCode}");
        }
    }
}
