using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace HomebrewSync.TestSupport;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that knows the timers it has set and tells waits (a <c>Task.Delay</c>, a retry's
/// back-off) from deadlines (a <see cref="CancellationTokenSource"/>'s timeout). <see cref="RunAsync"/> moves the
/// clock only while the code under test waits, jumping from one timer to the next, and work in between takes no
/// time: what happens on this clock never depends on how fast the machine is. It suits code that does one thing at a
/// time (a retry loop, one download after another): a wait set while other work is in flight would move time under it.
/// </summary>
public sealed class SteppingTimeProvider : FakeTimeProvider
{
    /// <summary>Only a guard against a hang: how long RunAsync waits (real time) for the code to finish or to wait again.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    // Held while a timer is tracked and made, and while the clock is moved to the next one: a timer tracked but not yet made
    // (RunAsync moving the clock from another thread in between) left a due time no timer would meet, and RunAsync moved the
    // clock by nothing, again and again, for ever (a Core test run spun so for an hour).
    private readonly Lock _advance = new();
    private readonly List<SetTimer> _timers = [];
    private readonly List<TimeSpan> _waits = [];
    private readonly Channel<Func<bool>> _blocked = Channel.CreateUnbounded<Func<bool>>();
    private readonly List<(int Count, TaskCompletionSource Done)> _waitWatchers = [];
    private Task<Func<bool>>? _nextBlocked;

    public SteppingTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>Every wait set so far, as long as it was meant to last, in the order they were set.</summary>
    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_gate)
            {
                return _waits.ToArray();
            }
        }
    }

    /// <summary>How long until the soonest timer that has neither fired nor been disposed; null when none is set.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            DateTimeOffset due;
            lock (_gate)
            {
                due = _timers.Where(t => t.DueAt is not null).Select(t => t.DueAt!.Value).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
            }
            return due == DateTimeOffset.MaxValue ? null : due - GetUtcNow();
        }
    }

    /// <summary>Completes once <paramref name="count"/> waits have been set (for a test that moves the clock itself).</summary>
    public Task WaitsSetAsync(int count)
    {
        lock (_gate)
        {
            if (_waits.Count >= count)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waitWatchers.Add((count, done));
            return done.Task.WaitAsync(HangGuard);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        // A CancellationTokenSource's timer is a deadline (something else should happen first), a periodic one a heartbeat
        // beside the work (a lease's renewal); any other timer is a wait.
        var timer = new SetTimer(this, isWait: state is not CancellationTokenSource && (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero));
        lock (_advance)
        {
            // Tracked first: a timer due now fires as it is made, and that firing must find it tracked.
            timer.Track(dueTime, period, signal: false);
            timer.Inner = base.CreateTimer(s => { timer.Fired(); callback(s); }, state, dueTime, period);
        }
        timer.SignalIfWait(dueTime);
        return timer;
    }

    /// <summary>Moves the clock to the soonest timer set (firing it); false when no timer is set.</summary>
    public bool AdvanceToNextTimer()
    {
        lock (_advance)
        {
            if (NextDue is not { } due)
            {
                return false;
            }
            Advance(due > TimeSpan.Zero ? due : TimeSpan.Zero);
            return true;
        }
    }

    /// <summary>
    /// Says the code under test is blocked until a deadline (a stalled download): <see cref="RunAsync"/> lets time
    /// run from timer to timer while <paramref name="stillBlocked"/> holds. Safe to call from inside the code.
    /// </summary>
    public void Blocked(Func<bool> stillBlocked) => _blocked.Writer.TryWrite(stillBlocked);

    /// <summary>
    /// Awaits <paramref name="work"/>, moving the clock only while it waits: each time it sets a wait (or says it is
    /// <see cref="Blocked"/>), time runs from timer to timer until that wait is over, so a deadline that falls due
    /// first cuts it short. Throws <see cref="TimeoutException"/> when the work neither ends nor waits within
    /// <see cref="HangGuard"/> of real time.
    /// </summary>
    public async Task RunAsync(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        while (!work.IsCompleted)
        {
            // Kept across calls: a read abandoned when the work ends must not swallow the next run's first wait.
            _nextBlocked ??= _blocked.Reader.ReadAsync().AsTask();
            await Task.WhenAny(work, _nextBlocked).WaitAsync(HangGuard);
            if (!_nextBlocked.IsCompleted)
            {
                break;
            }
            var stillBlocked = await _nextBlocked;
            _nextBlocked = null;
            while (stillBlocked() && AdvanceToNextTimer())
            {
            }
        }
        await work;
    }

    /// <inheritdoc cref="RunAsync(Task)"/>
    public async Task<T> RunAsync<T>(Task<T> work)
    {
        await RunAsync((Task)work);
        return await work;
    }

    private sealed class SetTimer(SteppingTimeProvider owner, bool isWait) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public ITimer? Inner { get; set; }

        /// <summary>When it fires next; null once fired (one-shot), disposed or stopped.</summary>
        public DateTimeOffset? DueAt { get; private set; }

        public bool Pending
        {
            get
            {
                lock (owner._gate)
                {
                    return DueAt is not null;
                }
            }
        }

        public void Track(TimeSpan dueTime, TimeSpan period, bool signal = true)
        {
            var now = owner.GetUtcNow();
            lock (owner._gate)
            {
                _period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : now + dueTime;
                owner._timers.Remove(this);
                if (DueAt is not null)
                {
                    owner._timers.Add(this);
                    if (isWait)
                    {
                        owner._waits.Add(dueTime);
                        foreach (var w in owner._waitWatchers.Where(w => owner._waits.Count >= w.Count).ToArray())
                        {
                            w.Done.TrySetResult();
                            owner._waitWatchers.Remove(w);
                        }
                    }
                }
            }
            if (signal)
            {
                SignalIfWait(dueTime);
            }
        }

        /// <summary>Tells RunAsync the code waits on this timer, once it is made and tracked.</summary>
        public void SignalIfWait(TimeSpan dueTime)
        {
            if (isWait && dueTime != Timeout.InfiniteTimeSpan)
            {
                owner.Blocked(() => Pending);
            }
        }

        public void Fired()
        {
            lock (owner._gate)
            {
                if (_period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan && DueAt is { } due)
                {
                    DueAt = due + _period;
                    return;
                }
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            bool changed;
            lock (owner._advance)
            {
                Track(dueTime, period, signal: false);
                changed = Inner!.Change(dueTime, period);
            }
            SignalIfWait(dueTime);
            return changed;
        }

        public void Dispose()
        {
            Stop();
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Stop();
            return Inner?.DisposeAsync() ?? ValueTask.CompletedTask;
        }

        private void Stop()
        {
            lock (owner._gate)
            {
                DueAt = null;
                owner._timers.Remove(this);
            }
        }
    }
}
