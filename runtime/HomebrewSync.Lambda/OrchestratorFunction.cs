using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Lambda;

/// <summary>
/// The state machine's first state (handler <see cref="HandlerNames.Orchestrator"/>): a trigger in, an
/// <see cref="OrchestratorResult"/> out; or <c>notify_failure</c> in, "failed" sent. A payload of any other
/// shape fails with <see cref="TriggerFormatException"/> before anything is read, written or sent.
/// </summary>
public sealed class OrchestratorFunction
{
    private readonly Func<Task<LambdaServices>> _services;

    public OrchestratorFunction()
        : this(() => HandlerSupport.Shared.Value)
    {
    }

    public OrchestratorFunction(LambdaServices services)
        : this(() => Task.FromResult(services))
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
        using var budget = services.Settings.TimeBudget is { } b ? new CancellationTokenSource(b) : new CancellationTokenSource();
        switch (parsed)
        {
            case SyncTrigger trigger:
                var result = await services.Orchestrator.StartAsync(trigger, budget.Token);
                services.Log.Write($"Planned {result.Bottles} bottles ({result.TotalBytes:N0} bytes, {result.Skipped} skipped) for {result.SyncDate}: route {result.Route}, plan {result.PlanKey}");
                return HandlerSupport.Write(result);
            case FailureNotice notice:
                await services.Orchestrator.NotifyFailureAsync(notice, budget.Token);
                services.Log.Write($"Reported failure {notice.Error.Error} for plan {notice.PlanKey ?? "(none)"}");
                return HandlerSupport.Write(new { notified = true });
            default:
                throw new TriggerFormatException("Unrecognised input");
        }
    }
}
