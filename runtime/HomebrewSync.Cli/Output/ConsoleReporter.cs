using HomebrewSync.Contracts;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Cli.Output;

/// <summary>
/// Progress on standard error: on a terminal one live line (count, bytes, speed, ETA, current bottle)
/// with failures and retries printed above it; otherwise plain log lines, one per bottle plus a
/// periodic summary.
/// </summary>
internal sealed class ConsoleReporter : ISyncObserver
{
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(15);
    private readonly TextWriter _error;
    private readonly bool _live;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ProgressTracker? _progress;
    private bool _lineShown;

    public ConsoleReporter(TextWriter error, bool live, TimeProvider time)
    {
        _error = error;
        _live = live;
        _time = time;
    }

    public void Info(string message) => Print(message);

    // The live line shows stored bottles; log output gets the same per-bottle lines as every other host.
    public void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent)
    {
        if (!_live)
        {
            Print(SyncLog.Stored(bottle, bytes, alreadyPresent));
        }
    }

    public void BottleFailed(BottleFailure failure) => Print(SyncLog.Failed(failure));

    public void Retrying(RetryNotice notice) => Print(SyncLog.Retrying(notice));

    public void Checkpointed(int entries, string location)
    {
        if (!_live)
        {
            Print(SyncLog.Checkpointed(entries, location));
        }
    }

    public void HashFileConflict(string location, int attempt) => Print(SyncLog.Conflict(location, attempt));

    /// <summary>Shows progress until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task ShowProgressAsync(ProgressTracker progress, CancellationToken cancellationToken)
    {
        _progress = progress;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_live ? LiveInterval : LogInterval, _time, cancellationToken);
                if (_live)
                {
                    lock (_gate)
                    {
                        DrawLocked();
                    }
                }
                else
                {
                    Print(SyncLog.Progress(progress.Snapshot()));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The transfer ended.
        }
        finally
        {
            lock (_gate)
            {
                ClearLocked();
                _progress = null;
            }
        }
    }

    private void Print(string message)
    {
        lock (_gate)
        {
            ClearLocked();
            _error.WriteLine(message);
            if (_live && _progress is not null)
            {
                DrawLocked();
            }
        }
    }

    private void DrawLocked()
    {
        if (_progress is null)
        {
            return;
        }
        var p = _progress.Snapshot();
        var eta = p.Eta is { } e ? $" ETA {Humanize.Estimate(e)}" : "";
        var line = $"[{Humanize.Count(p.DoneBottles)}/{Humanize.Count(p.TotalBottles)} {p.Fraction * 100,3:0}%] {Humanize.Bytes(p.TransferredBytes)} / {Humanize.Bytes(p.TotalBytes)} {Humanize.Speed(p.BytesPerSecond)}{eta}  {p.Current}";
        var width = SafeWidth();
        if (line.Length > width)
        {
            line = line[..width];
        }
        _error.Write("\r\u001b[2K" + line);
        _error.Flush();
        _lineShown = true;
    }

    private void ClearLocked()
    {
        if (_lineShown)
        {
            _error.Write("\r\u001b[2K");
            _lineShown = false;
        }
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth > 20 ? Console.WindowWidth - 1 : 119;
        }
        catch (IOException)
        {
            return 119;
        }
    }
}
