using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.Core.Tests.Pipeline;

/// <summary>
/// A time-budgeted host (the Lambda worker) on a fake clock: every bottle ends stored or failed, none is silently re-queued.
/// Downloads run one at a time, so whenever the worker waits (a back-off, a stalled download) nothing else is in flight.
/// </summary>
public sealed class TimeBudgetTests
{
    private static readonly string[] Tags = ["arm64_sonoma"];
    private const string BudgetAdvice = "did not finish within the worker's time budget; large or slow bottles go to ECS (lower SIZE_THRESHOLD_GB) or the next run retries it";
    private readonly SteppingTimeProvider _time = new(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStore _store = new();
    private readonly RecordingNotifier _slack = new();
    private readonly StringWriter _log = new();

    private (SyncContext Context, FakeRegistry Registry, FakeFormula[] Formulae) Build(int count, SyncSettings settings) =>
        Build(Enumerable.Range(0, count).Select(i => 1_000L + i).ToArray(), settings);

    private (SyncContext Context, FakeRegistry Registry, FakeFormula[] Formulae) Build(long[] sizes, SyncSettings settings, Func<IBottleStore, IBottleStore>? bottles = null)
    {
        var formulae = sizes.Select((size, i) => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottle("arm64_sonoma", size).Build()).ToArray();
        // A stalled download leaves the worker waiting for a deadline: the clock runs to the next timer.
        var registry = new FakeRegistry(formulae) { OnStall = ct => _time.Blocked(() => !ct.IsCancellationRequested) };
        var ports = new SyncPorts(bottles?.Invoke(_store) ?? _store, _store, _store, _store, FakeRegistry.Catalog(formulae), registry, _slack);
        var notifications = new NotificationSettings { Environment = "prod", SyncMethod = "Lambda", EmitMetrics = true };
        return (new SyncContext(ports, settings with { TargetPlatforms = Tags }, notifications, _time), registry, formulae);
    }

    private async Task<string> PlanAsync(SyncContext context)
    {
        var request = new PlanRequest(Tags, null, false, false, new DateOnly(2025, 7, 21), SyncSettings.DefaultApiUrl, new RunLabels("Scheduled"));
        var planned = await new Planner(context).PlanAsync(request, new LogLineObserver(_log), CancellationToken.None);
        return await new SavedPlanExecutor(context).SavePlanAsync(planned.Plan, CancellationToken.None);
    }

    /// <summary>Runs one worker invocation; the fake clock moves only while the worker waits (a back-off, a stalled download).</summary>
    private Task<SyncOutcome> InvokeAsync(SyncContext context, string planKey) =>
        _time.RunAsync(new SavedPlanExecutor(context).ExecuteSavedPlanAsync(planKey, new RunDisplay(new LogLineObserver(_log), _log), CancellationToken.None));

    [Fact]
    public async Task BottleThatStallsOnEveryAttempt_IsFailedWithItsReason_AndTheRunEnds()
    {
        var settings = new SyncSettings { RetryAttempts = 2, DownloadTimeout = TimeSpan.FromSeconds(10), RetryDelay = TimeSpan.FromSeconds(1), TimeBudget = TimeSpan.FromSeconds(100), MaxConcurrentDownloads = 1 };
        var (context, registry, formulae) = Build(2, settings);
        registry.Stalling.Add(formulae[0].Bottles["arm64_sonoma"].Sha256);
        var plan = await PlanAsync(context);
        var started = _time.GetUtcNow();

        var outcome = await InvokeAsync(context, plan);

        Assert.True(outcome.Done);
        var failure = Assert.Single(outcome.Failed);
        Assert.Equal((FailureKind.Timeout, "timeout after 3 attempts of 10 s"), (failure.Kind, failure.Reason));
        Assert.Equal(3, registry.Opens(formulae[0].Bottles["arm64_sonoma"].Sha256));
        // Three attempts cut off by their 10 s timeout and the two back-offs between them: well inside the 100 s budget.
        Assert.Equal(2, _time.Waits.Count);
        Assert.Equal(TimeSpan.FromSeconds(30) + _time.Waits[0] + _time.Waits[1], _time.GetUtcNow() - started);
        Assert.Equal("tool1-1.0-arm64_sonoma", Assert.Single(outcome.Stored).Key);
        Assert.Equal("⚠️ Sync Completed with Warnings", _slack.Headers[^1]);
        Assert.Contains("\"BottlesFailed\":1", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryAfterLongerThanTheBudgetLeaves_FailsTheBottleForTheBudget_WithoutWaiting()
    {
        var settings = new SyncSettings { RetryAttempts = 3, DownloadTimeout = TimeSpan.FromSeconds(10), RetryDelay = TimeSpan.FromSeconds(1), TimeBudget = TimeSpan.FromSeconds(120) };
        var (context, registry, formulae) = Build(1, settings);
        var sha = formulae[0].Bottles["arm64_sonoma"].Sha256;
        registry.Throttled[sha] = TimeSpan.FromMinutes(4);
        var plan = await PlanAsync(context);
        var started = _time.GetUtcNow();

        var outcome = await InvokeAsync(context, plan);

        var failure = Assert.Single(outcome.Failed);
        Assert.Equal(FailureKind.Budget, failure.Kind);
        Assert.Contains("did not finish within the worker's time budget", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("Retry-After", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(1, registry.Opens(sha));
        Assert.True(outcome.Done);
        // The clock moves only while the worker waits: it failed the bottle at once instead of waiting out the Retry-After.
        Assert.Empty(_time.Waits);
        Assert.Equal(started, _time.GetUtcNow());
    }

    [Fact]
    public async Task BottleThatStallsPastTheWorkersDeadline_IsCutOffByTheBudget_NotItsAttemptTimeout_AndTheNextInvocationEndsTheRun()
    {
        var settings = new SyncSettings { RetryAttempts = 2, DownloadTimeout = TimeSpan.FromSeconds(10), RetryDelay = TimeSpan.FromSeconds(1), TimeBudget = TimeSpan.FromSeconds(100), MaxConcurrentDownloads = 1 };
        var (context, registry, formulae) = Build(1, settings);
        var sha = formulae[0].Bottles["arm64_sonoma"].Sha256;
        registry.Stalling.Add(sha);
        var plan = await PlanAsync(context);
        // A slow store: reading the hash file takes 95 s of the 100 s budget, so the invocation's one bottle starts
        // (the first always does) with 5 s left, less than its 10 s attempt.
        _store.OnHashFileRead = () =>
        {
            _store.OnHashFileRead = null;
            _time.Advance(TimeSpan.FromSeconds(95));
        };
        var started = _time.GetUtcNow();

        var outcome = await InvokeAsync(context, plan);

        var failure = Assert.Single(outcome.Failed);
        Assert.Equal((FailureKind.Budget, BudgetAdvice), (failure.Kind, failure.Reason));
        Assert.Equal(1, registry.Opens(sha));
        // Cut off at the budget's end (100 s), not when its attempt would have timed out (105 s), and not retried.
        Assert.Equal(TimeSpan.FromSeconds(100), _time.GetUtcNow() - started);
        Assert.Empty(_time.Waits);
        Assert.Equal(0, outcome.Remaining);
        Assert.Empty(outcome.Stored);
        // No time left for the finish: the next invocation, with its whole budget, ends the run, downloading nothing again.
        Assert.True(outcome.FinishLeft);
        var next = await InvokeAsync(context, plan);
        Assert.True(next.Done);
        Assert.Equal(1, registry.Opens(sha));
        Assert.Equal("⚠️ Sync Completed with Warnings", _slack.Headers[^1]);
        Assert.Contains("\"BottlesFailed\":1", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowBottles_TakeSeveralInvocations_EachMakesProgress_AndTheEndIsReportedOnce()
    {
        // Each download takes 30 s of the fake clock; a bottle may take 303 s at worst; the budget is 340 s.
        var settings = new SyncSettings { RetryAttempts = 2, DownloadTimeout = TimeSpan.FromSeconds(100), RetryDelay = TimeSpan.FromSeconds(1), TimeBudget = TimeSpan.FromSeconds(340), MaxConcurrentDownloads = 1 };
        var (context, registry, _) = Build(5, settings);
        registry.OnOpen = _ => _time.Advance(TimeSpan.FromSeconds(30));
        var plan = await PlanAsync(context);

        var outcomes = new List<SyncOutcome>();
        do
        {
            outcomes.Add(await new SavedPlanExecutor(context).ExecuteSavedPlanAsync(plan, new RunDisplay(new LogLineObserver(_log), _log), CancellationToken.None));
        }
        while (!outcomes[^1].Done && outcomes.Count < 10);

        // The first bottle of an invocation always starts; a second fits (30 + 303 <= 340); a third does not.
        Assert.Equal([2, 4, 5], outcomes.Select(o => o.Stored.Count));
        Assert.Equal([3, 1, 0], outcomes.Select(o => o.Remaining));
        Assert.Equal(3, outcomes[^1].Invocations);
        Assert.Empty(outcomes[^1].Failed);
        Assert.Equal(["✅ Homebrew Bottles Sync Complete"], _slack.Headers);
        Assert.Single(_log.ToString().Split('\n'), l => l.Contains("\"CloudWatchMetrics\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LastBottlesLeavingLessThanAQuarterOfTheBudget_LeaveTheFinishToTheNextInvocation_WhichReportsOnce()
    {
        // The stalled bottle's two attempts of 40 s (and a back-off) fit the 100 s budget, leaving less than 25 s.
        var settings = new SyncSettings { RetryAttempts = 1, DownloadTimeout = TimeSpan.FromSeconds(40), RetryDelay = TimeSpan.FromSeconds(1), TimeBudget = TimeSpan.FromSeconds(100), MaxConcurrentDownloads = 1 };
        var (context, registry, formulae) = Build(2, settings);
        registry.Stalling.Add(formulae[0].Bottles["arm64_sonoma"].Sha256);
        var plan = await PlanAsync(context);

        var first = await InvokeAsync(context, plan);

        Assert.False(first.Done);
        Assert.True(first.FinishLeft);
        Assert.Equal((1, 1, 0), (first.Stored.Count, first.Failed.Count, first.Remaining));
        Assert.DoesNotContain(_slack.Headers, h => h.Contains("Complete", StringComparison.Ordinal));
        Assert.Contains("left to the next invocation", _log.ToString(), StringComparison.Ordinal);

        var second = await InvokeAsync(context, plan);

        Assert.True(second.Done);
        Assert.Equal((1, 1, 2), (second.Stored.Count, second.Failed.Count, second.Invocations));
        Assert.Equal(2, registry.Opens(formulae[0].Bottles["arm64_sonoma"].Sha256));
        Assert.Single(_slack.Headers, h => h == "⚠️ Sync Completed with Warnings");
    }

    [Fact]
    public async Task BottleThatWaitedForStagingSpaceUntilItsWorstCaseNoLongerFits_IsLeftForTheNextInvocation_NotStarted()
    {
        // 7,000 bytes of staging: the largest (6,000, first) and the next (5,000) cannot be staged at once. The first is
        // throttled (Retry-After 125 s) on each of its three attempts and holds its space until it fails at 250 s; the second
        // waited for that space, and would not fit what is left of the 340 s budget (303 s at worst; its download takes 90 s).
        var settings = new SyncSettings { RetryAttempts = 2, DownloadTimeout = TimeSpan.FromSeconds(100), RetryDelay = TimeSpan.FromSeconds(1), TimeBudget = TimeSpan.FromSeconds(340),
            MaxConcurrentDownloads = 2, StagingLimitBytes = 7_000 };
        // The first asks for its space before the second does: the second's look at the store waits until the first is staged
        // (two workers take their turns in order, but reach the staging budget in whichever order they run).
        var (context, registry, formulae) = Build([6_000, 5_000, 1_000], settings, store => new StagedFirst(store, "2025-07-21/tool0-1.0.arm64_sonoma.bottle.tar.gz"));
        var sha = formulae.Select(f => f.Bottles["arm64_sonoma"].Sha256).ToArray();
        registry.Throttled[sha[0]] = TimeSpan.FromSeconds(125);
        var slow = true;
        registry.OnOpen = _ =>
        {
            // Ten seconds at a time: the store's lease is renewed meanwhile, as it would be.
            for (var s = 0; slow && s < 90; s += 10)
            {
                _time.Advance(TimeSpan.FromSeconds(10));
            }
        };
        var plan = await PlanAsync(context);

        var first = await InvokeAsync(context, plan);

        Assert.Equal("tool0-1.0-arm64_sonoma", Assert.Single(first.Failed).Bottle.Key);
        Assert.Empty(first.Stored);
        Assert.Equal(2, first.Remaining);
        Assert.Equal(0, registry.Opens(sha[1]));
        slow = false;

        var second = await InvokeAsync(context, plan);

        Assert.True(second.Done);
        Assert.Equal(["tool1-1.0-arm64_sonoma", "tool2-1.0-arm64_sonoma"], second.Stored.Select(b => b.Key).Order(StringComparer.Ordinal));
        Assert.Single(second.Failed);
    }

    /// <summary>A store where no other bottle is looked for until <paramref name="first"/> has been staged (its space reserved).</summary>
    private sealed class StagedFirst(IBottleStore inner, string first) : DelegatingBottleStore(inner)
    {
        private readonly TaskCompletionSource _staged = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken)
        {
            if (key != first)
            {
                await _staged.Task.WaitAsync(cancellationToken);
            }
            return await base.HoldsVerifiedAsync(key, sha256, cancellationToken);
        }

        public override Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken)
        {
            if (key == first)
            {
                _staged.TrySetResult();
            }
            return base.StageAsync(key, expectedSize, cancellationToken);
        }
    }
}
