using HomebrewSync.Contracts;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;
using Microsoft.Extensions.Time.Testing;
using Polly.Timeout;

namespace HomebrewSync.Core.Tests.Transfer;

public sealed class ResiliencePipelinesTests
{
    private static readonly SyncSettings Settings = new() { RetryAttempts = 3, RetryDelay = TimeSpan.FromSeconds(2), DownloadTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task ExecuteAsync_TransientThenSuccess_RetriesAfterBackoff()
    {
        var time = new FakeTimeProvider();
        var notices = new List<RetryNotice>();
        var pipeline = ResiliencePipelines.Create(Settings, time, notices.Add);
        var calls = 0;

        var run = pipeline.ExecuteAsync(_ => ++calls < 3 ? throw new TransientDownloadException("HTTP 503") : ValueTask.FromResult(calls)).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(1);
        }

        Assert.Equal(3, await run);
        Assert.Equal([1, 2], notices.Select(n => n.Attempt));
        Assert.All(notices, n => Assert.True(n.Delay > TimeSpan.Zero));
    }

    [Fact]
    public async Task ExecuteAsync_RetryAfter_IsHonouredExactly()
    {
        var time = new FakeTimeProvider();
        var notices = new List<RetryNotice>();
        var pipeline = ResiliencePipelines.Create(Settings, time, notices.Add);
        var calls = 0;

        var run = pipeline.ExecuteAsync(_ => ++calls == 1 ? throw new TransientDownloadException("HTTP 429", TimeSpan.FromSeconds(42)) : ValueTask.FromResult(calls)).AsTask();
        await Task.Delay(10);
        time.Advance(TimeSpan.FromSeconds(41));
        await Task.Delay(10);
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, await run);
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
        var time = new FakeTimeProvider();
        var pipeline = ResiliencePipelines.Create(Settings with { RetryAttempts = 2 }, time);
        var calls = 0;

        var run = pipeline.ExecuteAsync<int>(async ct => { calls++; await Task.Delay(Timeout.Infinite, ct); return 0; }).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(1);
        }

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => run);
        Assert.Equal(3, calls);
    }
}
