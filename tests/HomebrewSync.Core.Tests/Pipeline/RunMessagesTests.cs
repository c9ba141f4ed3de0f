using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Core.Tests.Pipeline;

/// <summary>Who asked for a run and how urgently reach every message and the executor's log; "complete" counts the mirror by target tag as stats does.</summary>
public sealed class RunMessagesTests
{
    private static readonly string[] Tags = ["arm64_tahoe", "arm64_sequoia"];
    private readonly InMemoryStore _store = new();
    private readonly RecordingNotifier _slack = new();
    private readonly StringWriter _log = new();

    private SyncContext Context()
    {
        FakeFormula[] formulae =
        [
            new FormulaBuilder("newer").WithBottle("arm64_tahoe").WithBottle("arm64_sequoia").Build(),
            new FormulaBuilder("oldie").WithBottle("arm64_sequoia").Build(),
            new FormulaBuilder("certs").WithBottle("all").Build(),
        ];
        var ports = new SyncPorts(_store, _store, _store, _store, FakeRegistry.Catalog(formulae), new FakeRegistry(formulae), _slack);
        return new SyncContext(ports, new SyncSettings { TargetPlatforms = Tags }, new NotificationSettings { Environment = "prod" },
            new FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero)));
    }

    private async Task<string> SavedPlanAsync(SyncContext context)
    {
        var request = new PlanRequest(Tags, null, false, false, new DateOnly(2025, 7, 21), SyncSettings.DefaultApiUrl, new RunLabels("Manual", "admin@company.com", "high"));
        var planned = await new Planner(context).PlanAsync(request, new LogLineObserver(_log), CancellationToken.None);
        return await new SavedPlanExecutor(context).SavePlanAsync(planned.Plan, CancellationToken.None);
    }

    private string LastContext() => string.Join(" ", Assert.IsType<ContextBlock>(_slack.Messages[^1].Blocks[^1]).Elements);

    [Fact]
    public async Task Complete_CountsTheMirrorByTargetTagAsStatsDoes_AndNamesWhoAsked_AndTheExecutorLogsIt()
    {
        var context = Context();
        var plan = await SavedPlanAsync(context);

        var outcome = await new SavedPlanExecutor(context).ExecuteSavedPlanAsync(plan, new RunDisplay(new LogLineObserver(_log), _log), CancellationToken.None);

        Assert.True(outcome.Done);
        var stats = MirrorCoverage.Of((await _store.ReadHashFileAsync(CancellationToken.None))!.HashFile, Tags);
        var byTarget = _slack.Messages[^1].Blocks.OfType<TextBlock>().Single(b => b.Text.StartsWith("*Mirror by Target Tag:*", StringComparison.Ordinal));
        Assert.Equal("*Mirror by Target Tag:*\n• arm64_tahoe: 3 bottles, 1 `all`, 1 via arm64_sequoia\n• arm64_sequoia: 3 bottles, 1 `all`", byTarget.Text);
        Assert.Equal(["3 bottles, 1 all, 1 via arm64_sequoia", "3 bottles, 1 all"], stats.Select(t => t.Describe(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.EndsWith("• Requested by admin@company.com • Priority high", LastContext(), StringComparison.Ordinal);
        Assert.Contains($"Executing plan {plan} (Manual, requested by admin@company.com, priority high): ", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_FromTheStateMachine_NamesWhoAsked()
    {
        var context = Context();
        var plan = await SavedPlanAsync(context);

        await new SyncOrchestrator(context).NotifyFailureAsync(new FailureNotice { Error = new StateError { Error = "States.Timeout" }, PlanKey = plan }, new LogLineObserver(_log), CancellationToken.None);

        Assert.Equal(["❌ Homebrew Bottles Sync Failed"], _slack.Headers);
        Assert.Equal("Requested by admin@company.com • Priority high", LastContext());
    }
}
