using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Lambda;

/// <summary>
/// The state machine's first state (handler <see cref="HandlerNames.Orchestrator"/>): a trigger in, an
/// <see cref="OrchestratorResult"/> out; or <c>notify_failure</c> in, "failed" sent; or <c>check_freshness</c> in, the mirror's age
/// logged as a metric. A payload of any other
/// shape fails with <see cref="TriggerFormatException"/> before anything is read, written or sent.
/// </summary>
public sealed class OrchestratorFunction(RetryingInit<LambdaServices> container)
{
    /// <summary>The deployed handler: this container's services, built on first use and again on a later invocation when that failed.</summary>
    public OrchestratorFunction()
        : this(HandlerSupport.Shared)
    {
    }

    public Task<Stream> HandleAsync(Stream input) => HandlerSupport.HandleAsync(input, container, p => TriggerParser.Parse(p), RunAsync);

    private static async Task<object> RunAsync(object parsed, LambdaServices services)
    {
        using var budget = services.BudgetToken();
        switch (parsed)
        {
            case SyncTrigger trigger:
                return await services.Services.Orchestrator.StartAsync(trigger, services.Log, budget.Token);
            case FailureNotice notice:
                await services.Services.Orchestrator.NotifyFailureAsync(notice, services.Log, budget.Token);
                return new { notified = true };
            case FreshnessCheck:
                return new { mirror_age_hours = await services.Services.Freshness.CheckFreshnessAsync(services.Display, budget.Token) };
            case PruneRequest prune:
                var pruned = await services.Services.Prune.PruneAsync(prune.KeepDays, dryRun: false, services.Log, budget.Token, prune.DeleteUnlisted);
                return new { removed = pruned.Count, removed_bytes = pruned.Bytes, kept = pruned.Kept, left_in_place = pruned.LeftInPlace.Count };
            default:
                throw new TriggerFormatException("Unrecognised input");
        }
    }
}
