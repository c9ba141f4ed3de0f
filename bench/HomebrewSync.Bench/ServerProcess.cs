using System.Diagnostics;
using System.Globalization;

namespace HomebrewSync.Bench;

/// <summary>A server the benchmark started as a child process (nginx, <c>homebrew-sync serve</c>): where it listens, and SIGTERM to stop it.</summary>
internal sealed class ServerProcess(Process process, Uri url) : IAsyncDisposable
{
    public Uri Url { get; } = url;

    public long Rss() => Measure.Rss(process.Id);

    public async ValueTask DisposeAsync()
    {
        // Both finish what is in flight on SIGTERM (nginx's master takes its workers with it).
        await Tools.RunAsync("kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture));
        await process.WaitForExitAsync();
        process.Dispose();
    }
}
