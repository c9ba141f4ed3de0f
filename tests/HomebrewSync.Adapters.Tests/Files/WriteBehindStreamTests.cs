using System.Security.Cryptography;
using HomebrewSync.Adapters.Files;

namespace HomebrewSync.Adapters.Tests.Files;

/// <summary>
/// The folder store's staging where a file cannot be written past the page cache (<see cref="DirectWriteStream"/> is
/// refused): the bytes go through the page cache, write-back started every window. What reaches the file is what was written.
/// </summary>
public sealed class WriteBehindStreamTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "hbs-write-behind-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => File.Delete(_path);

    [Fact]
    public async Task Write_PastSeveralWindows_ThenRestart_TheFileHoldsExactlyTheLastAttempt()
    {
        var first = RandomNumberGenerator.GetBytes((int)(2 * WriteBehindStream.Window) + 77);
        var second = RandomNumberGenerator.GetBytes((int)(2.5 * WriteBehindStream.Window));
        await using (var file = new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous))
        {
            var stream = new WriteBehindStream(file);
            await stream.WriteAsync(first);
            file.SetLength(0);
            file.Position = 0;
            stream.Restart();
            for (var at = 0; at < second.Length; at += 100_003)
            {
                await stream.WriteAsync(second.AsMemory(at, Math.Min(100_003, second.Length - at)));
            }
            await stream.FlushAsync();
        }

        Assert.Equal(SHA256.HashData(second), SHA256.HashData(await File.ReadAllBytesAsync(_path)));
    }
}
