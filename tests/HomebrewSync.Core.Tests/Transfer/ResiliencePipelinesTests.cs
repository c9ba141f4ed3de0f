using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;
using Polly.Timeout;

namespace HomebrewSync.Core.Tests.Transfer;

public sealed class ResiliencePipelinesTests
{
    private static readonly SyncSettings Settings = new() { RetryAttempts = 3, RetryDelay = TimeSpan.FromSeconds(2), DownloadTimeout = TimeSpan.FromSeconds(30) };
    private static readonly DateTimeOffset Start = new(2025, 7, 21, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ExecuteAsync_TransientThenSuccess_RetriesAfterBackoff()
    {
        var time = new SteppingTimeProvider(Start);
        var notices = new List<RetryNotice>();
        var pipeline = ResiliencePipelines.Create(Settings, time, notices.Add);
        var calls = 0;

        var result = await time.RunAsync(pipeline.ExecuteAsync(_ => ++calls < 3 ? throw new TransientFailureException("HTTP 503") : ValueTask.FromResult(calls)).AsTask());

        Assert.Equal(3, result);
        Assert.Equal([1, 2], notices.Select(n => n.Attempt));
        Assert.All(notices, n => Assert.True(n.Delay > TimeSpan.Zero));
        // The back-offs were waited out on the injected clock (Task.Delay keeps whole milliseconds), and nothing else moved it.
        Assert.Equal(notices.Select(n => (long)n.Delay.TotalMilliseconds), time.Waits.Select(w => (long)w.TotalMilliseconds));
        Assert.Equal(Start + time.Waits[0] + time.Waits[1], time.GetUtcNow());
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfter_IsHonouredExactly()
    {
        var time = new SteppingTimeProvider(Start);
        var notices = new List<RetryNotice>();
        var pipeline = ResiliencePipelines.Create(Settings, time, notices.Add);
        var calls = 0;

        var run = pipeline.ExecuteAsync(_ => ++calls == 1 ? throw new TransientFailureException("HTTP 429", TimeSpan.FromSeconds(42)) : ValueTask.FromResult(calls)).AsTask();
        // The first attempt has failed once its wait is set on the clock.
        await time.WaitsSetAsync(1);
        Assert.Equal([TimeSpan.FromSeconds(42)], time.Waits);
        time.Advance(TimeSpan.FromSeconds(41));
        Assert.False(run.IsCompleted);
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, await run.WaitAsync(SteppingTimeProvider.HangGuard));
        Assert.Equal(TimeSpan.FromSeconds(42), Assert.Single(notices).Delay);
    }

    [Fact]
    public async Task ExecuteAsync_FinalFailure_IsNotRetried()
    {
        var pipeline = ResiliencePipelines.Create(Settings, new FakeTimeProvider());
        var calls = 0;

        await Assert.ThrowsAsync<BottleDownloadException>(() =>
            pipeline.ExecuteAsync<int>(_ => { calls++; throw new BottleDownloadException(FailureKind.NotFound, "404"); }).AsTask());

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancels_IsNotRetried()
    {
        var pipeline = ResiliencePipelines.Create(Settings, new FakeTimeProvider());
        using var cts = new CancellationTokenSource();
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            pipeline.ExecuteAsync<int>(ct => { calls++; cts.Cancel(); ct.ThrowIfCancellationRequested(); return default; }, cts.Token).AsTask());

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ExecuteAsync_EveryAttemptTimesOut_GivesUpAfterAllAttempts()
    {
        var time = new SteppingTimeProvider(Start);
        var pipeline = ResiliencePipelines.Create(Settings with { RetryAttempts = 2 }, time);
        var calls = 0;

        // Each attempt hangs until its timeout: blocked, so the clock runs to the next timer (that timeout).
        var run = pipeline.ExecuteAsync<int>(async ct =>
        {
            calls++;
            time.Blocked(() => !ct.IsCancellationRequested);
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }).AsTask();

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => time.RunAsync(run));
        Assert.Equal(3, calls);
        // Three timeouts of 30 s and the two back-offs between them.
        Assert.Equal(Start + (3 * Settings.DownloadTimeout) + time.Waits[0] + time.Waits[1], time.GetUtcNow());
    }

    [Fact]
    public async Task ExecuteAsync_RetryWouldEndPastTheDeadline_StopsAndSaysWhy()
    {
        var time = new FakeTimeProvider();
        var pipeline = ResiliencePipelines.Create(Settings, time);
        var context = Polly.ResilienceContextPool.Shared.Get();
        // Room for the first attempt and a short wait, not for another 30-second attempt after a 42-second Retry-After.
        context.Properties.Set(ResiliencePipelines.Deadline, time.GetUtcNow() + TimeSpan.FromSeconds(60));
        var calls = 0;

        var ex = await Assert.ThrowsAsync<TransientFailureException>(() => pipeline.ExecuteAsync<int>(
            _ => { calls++; throw new TransientFailureException("HTTP 429", TimeSpan.FromSeconds(42)); }, context).AsTask());

        Assert.Equal(1, calls);
        Assert.Equal("HTTP 429", ex.Message);
        Assert.True(context.Properties.TryGetValue(ResiliencePipelines.StoppedByDeadline, out var why));
        Assert.Contains("Retry-After", why, StringComparison.Ordinal);
        Polly.ResilienceContextPool.Shared.Return(context);
    }

    [Fact]
    public void WorstCase_CountsEveryAttemptAndTheLongestBackoffs()
    {
        var timing = new RetryTiming(Settings);

        // 4 attempts of 30 s, waits of at most 2, 4 and 8 s.
        Assert.Equal(TimeSpan.FromSeconds(134), timing.WorstCase);
        Assert.Equal(TimeSpan.FromSeconds(8), timing.MaxDelayBefore(2));
        Assert.InRange(timing.DelayBefore(2, null, 0.0), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8));
        Assert.Equal(RetryTiming.MaxDelay, timing.DelayBefore(0, TimeSpan.FromHours(1), 0.5));
    }
}
