using System.Text;
using System.Threading.Channels;

namespace HomebrewSync.Cli.Serving;

/// <summary>
/// serve's access log and diagnostics, off the request path: a request hands its line over and goes on; one loop writes
/// whatever has gathered in one write and flushes once nothing more is waiting (when quiet, each line at once). Under load
/// (a write of at least <see cref="BusyBatch"/> lines, and no backlog) the loop lets the next lines gather for
/// <see cref="Gather"/> before it looks again, so that a request's line does not wake it: each wake is a hand-over between threads, and under brew's
/// image-index load on two cores it woke for about one request in four. Bounded: past <see cref="Capacity"/> waiting lines a
/// request waits for the writer rather than memory growing.
/// </summary>
internal sealed class AccessLogWriter : IAsyncDisposable
{
    // A line is at most a few KB (the client's fields are clipped, AccessLog.MaxClientField): 8,192 waiting lines are tens of
    // MB at worst, a few MB as brew's requests make them, and a fraction of a second of the fastest load serve takes.
    public const int Capacity = 8 * 1024;

    /// <summary>How long lines gather under load before the next write: well under a second of the fastest load serve takes, at most <see cref="Capacity"/> lines.</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(10);

    /// <summary>A write of this many lines or more is a sign of load.</summary>
    public const int BusyBatch = 32;

    /// <summary>The most characters one write takes.</summary>
    private const int MaxWrite = 1 << 20;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _loop;

    public AccessLogWriter(TextWriter output, TimeProvider time)
    {
        _output = output;
        _time = time;
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues one line (no newline); it is written in order with every other line given here. Waits only when the queue is full.</summary>
    public ValueTask WriteLineAsync(string line) =>
        _lines.Writer.TryWrite(line) ? ValueTask.CompletedTask : _lines.Writer.WriteAsync(line);

    private async Task WriteLoopAsync()
    {
        var batch = new StringBuilder(64 * 1024);
        while (await _lines.Reader.WaitToReadAsync())
        {
            var lines = 0;
            while (batch.Length < MaxWrite && _lines.Reader.TryRead(out var line))
            {
                batch.Append(line).Append('\n');
                lines++;
            }
            var filled = batch.Length >= MaxWrite;
            await _output.WriteAsync(batch);
            batch.Clear();
            if (_lines.Reader.Count == 0)
            {
                await _output.FlushAsync();
            }
            // Not behind a backlog (a write filled by long lines, a batch's worth already waiting): that is written at once.
            if (lines >= BusyBatch && !filled && _lines.Reader.Count < BusyBatch && !_lines.Reader.Completion.IsCompleted)
            {
                await Task.Delay(Gather, _time);
            }
        }
        await _output.FlushAsync();
    }

    /// <summary>Writes every line queued so far, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _loop;
    }
}
