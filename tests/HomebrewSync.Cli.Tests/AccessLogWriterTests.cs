using System.Text;
using HomebrewSync.Cli.Serving;
using Microsoft.Extensions.Time.Testing;

namespace HomebrewSync.Cli.Tests;

/// <summary>serve's access log: every line, in order; at once when quiet, gathered under load (no wake of the writer per request).</summary>
public sealed class AccessLogWriterTests
{
    /// <summary>What the writer wrote; a write can be held until <see cref="Release"/>.</summary>
    private sealed class Recording : TextWriter
    {
        private readonly StringBuilder _text = new();
        private TaskCompletionSource? _held;

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        /// <summary>Holds the next write until <see cref="Release"/>; <see cref="WriteBegun"/> completes once it has begun.</summary>
        public void HoldNextWrite() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource WriteBegun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _held?.TrySetResult();

        public override async Task WriteAsync(StringBuilder? value, CancellationToken cancellationToken = default)
        {
            if (_held is { } held)
            {
                WriteBegun.TrySetResult();
                await held.Task;
                _held = null;
            }
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override Task FlushAsync() => Task.CompletedTask;

        public async Task WaitForAsync(string ending)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!Text.EndsWith(ending, StringComparison.Ordinal))
            {
                await Task.Delay(5, timeout.Token);
            }
        }
    }

    /// <summary>The writer, disposed as a test ends however it ends: the clock moved on while the writer stops, so a wait for it cannot hang the run.</summary>
    private sealed class OnFakeClock(AccessLogWriter log, FakeTimeProvider time) : IAsyncDisposable
    {
        public ValueTask WriteLineAsync(string line) => log.WriteLineAsync(line);

        public async ValueTask DisposeAsync()
        {
            var disposed = log.DisposeAsync().AsTask();
            await AdvanceUntilAsync(time, () => disposed.IsCompleted);
            await disposed;
        }
    }

    /// <summary>Moves the fake clock on by the gathering time until <paramref name="done"/> (the writer's wait may start after any one move).</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done())
        {
            time.Advance(AccessLogWriter.Gather);
            await Task.Delay(5, timeout.Token);
        }
    }

    [Fact]
    public async Task WhenQuiet_ALineIsWrittenAtOnce_UnderLoad_TheNextLinesGatherUntilTheGatheringTimeHasPassed()
    {
        var time = new FakeTimeProvider();
        var output = new Recording();
        await using var log = new OnFakeClock(new AccessLogWriter(output, time), time);

        await log.WriteLineAsync("quiet");
        await output.WaitForAsync("quiet\n");

        // A burst: while one line is being written, many more queue up; they go out together in the next write.
        output.HoldNextWrite();
        await log.WriteLineAsync("first");
        await output.WriteBegun.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var burst = Enumerable.Range(0, AccessLogWriter.BusyBatch).Select(i => $"burst {i}").ToArray();
        foreach (var line in burst)
        {
            await log.WriteLineAsync(line);
        }
        output.Release();
        await output.WaitForAsync($"burst {AccessLogWriter.BusyBatch - 1}\n");

        // That was load: the next line waits for the gathering time (the writer is not woken for it), then goes out.
        await log.WriteLineAsync("after");
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.EndsWith($"burst {AccessLogWriter.BusyBatch - 1}\n", output.Text, StringComparison.Ordinal);
        await AdvanceUntilAsync(time, () => output.Text.EndsWith("after\n", StringComparison.Ordinal));

        Assert.Equal(["quiet", "first", .. burst, "after"], output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Disposed_WhileLinesGather_WritesThemAll()
    {
        var time = new FakeTimeProvider();
        var output = new Recording();
        var log = new OnFakeClock(new AccessLogWriter(output, time), time);
        var lines = Enumerable.Range(0, 3 * AccessLogWriter.BusyBatch).Select(i => $"line {i}").ToArray();
        foreach (var line in lines)
        {
            await log.WriteLineAsync(line);
        }

        // The gathering wait runs on the fake clock: moved on until the writer has written everything and stopped.
        await log.DisposeAsync();

        Assert.Equal(lines, output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task BehindABacklog_OfLongLinesThatFillAWrite_TheWriterDoesNotWait()
    {
        var time = new FakeTimeProvider();
        var output = new Recording();
        await using var log = new OnFakeClock(new AccessLogWriter(output, time), time);
        output.HoldNextWrite();
        await log.WriteLineAsync("first");
        await output.WriteBegun.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // BusyBatch lines fill one write (a client's long fields); fewer than BusyBatch more wait behind them.
        var lines = Enumerable.Range(0, AccessLogWriter.BusyBatch + 20).Select(i => $"{i} " + new string('x', 33_000)).ToArray();
        foreach (var line in lines)
        {
            await log.WriteLineAsync(line);
        }

        output.Release();

        // Written without the clock moving: no gathering wait behind a write that was full.
        await output.WaitForAsync(lines[^1] + "\n");
        Assert.Equal(["first", .. lines], output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
