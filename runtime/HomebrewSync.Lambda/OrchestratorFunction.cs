using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Lambda;

/// <summary>
/// The state machine's first state (handler <see cref="HandlerNames.Orchestrator"/>): a trigger in, an
/// <see cref="OrchestratorResult"/> out; or <c>notify_failure</c> in, "failed" sent; or <c>check_freshness</c> in, the mirror's age
/// logged as a metric. A payload of any other
/// shape fails with <see cref="TriggerFormatException"/> before anything is read, written or sent.
/// </summary>
public sealed class OrchestratorFunction
{
    private readonly Func<Task<LambdaServices>> _services;

    public OrchestratorFunction()
        : this(HandlerSupport.Shared.GetAsync)
    {
    }

    public OrchestratorFunction(LambdaServices services)
        : this(() => Task.FromResult(services))
    {
    }

    /// <summary>Services built on first use, and built again on a later invocation when that failed.</summary>
    public OrchestratorFunction(RetryingInit<LambdaServices> services)
        : this(services.GetAsync)
    {
    }

    private OrchestratorFunction(Func<Task<LambdaServices>> services)
    {
        _services = services;
    }

    public async Task<Stream> HandleAsync(Stream input)
    {
        var parsed = TriggerParser.Parse(await HandlerSupport.ReadAsync(input));
        var services = await _services();
        using var budget = services.BudgetToken();
        switch (parsed)
        {
            case SyncTrigger trigger:
                return HandlerSupport.Write(await services.Pipeline.StartAsync(trigger, services.Log, budget.Token));
            case FailureNotice notice:
                await services.Pipeline.NotifyFailureAsync(notice, services.Log, budget.Token);
                return HandlerSupport.Write(new { notified = true });
            case FreshnessCheck:
                return HandlerSupport.Write(new { mirror_age_hours = await services.Pipeline.CheckFreshnessAsync(services.Display, budget.Token) });
            case PruneRequest prune:
                var pruned = await services.Pipeline.PruneAsync(prune.KeepDays, dryRun: false, services.Log, budget.Token);
                return HandlerSupport.Write(new { removed = pruned.Count, removed_bytes = pruned.Bytes, kept = pruned.Kept });
            default:
                throw new TriggerFormatException("Unrecognised input");
        }
    }
}
