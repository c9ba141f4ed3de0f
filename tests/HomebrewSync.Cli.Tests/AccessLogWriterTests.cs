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

    [Fact]
    public async Task WhenQuiet_ALineIsWrittenAtOnce_UnderLoad_TheNextLinesGatherUntilTheGatheringTimeHasPassed()
    {
        var time = new FakeTimeProvider();
        var output = new Recording();
        await using var log = new AccessLogWriter(output, time);

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
        time.Advance(AccessLogWriter.Gather);
        await output.WaitForAsync("after\n");

        Assert.Equal(["quiet", "first", .. burst, "after"], output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Disposed_WhileLinesGather_WritesThemAll()
    {
        var time = new FakeTimeProvider();
        var output = new Recording();
        var log = new AccessLogWriter(output, time);
        var lines = Enumerable.Range(0, 3 * AccessLogWriter.BusyBatch).Select(i => $"line {i}").ToArray();
        foreach (var line in lines)
        {
            await log.WriteLineAsync(line);
        }

        // The gathering wait runs on the fake clock: advanced until the writer has written everything and stopped.
        var disposed = log.DisposeAsync().AsTask();
        while (!disposed.IsCompleted)
        {
            time.Advance(AccessLogWriter.Gather);
            await Task.WhenAny(disposed, Task.Delay(10));
        }
        await disposed;

        Assert.Equal(lines, output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
