using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Lambda;

/// <summary>
/// The Lambda worker (handler <see cref="HandlerNames.Worker"/>): executes a saved plan within TIME_BUDGET_SECONDS
/// and answers <c>done: false</c> until every bottle was attempted. Also takes the reference's direct test
/// invocation (<c>formulas</c> with their bottles, <c>sync_date</c>), saved as a plan first.
/// </summary>
public sealed class WorkerFunction(RetryingInit<LambdaServices> container)
{
    /// <summary>The deployed handler: this container's services, built on first use and again on a later invocation when that failed.</summary>
    public WorkerFunction()
        : this(HandlerSupport.Shared)
    {
    }

    public Task<Stream> HandleAsync(Stream input) => HandlerSupport.HandleAsync(input, container, p => WorkerPayload.Parse(p), async (payload, services) =>
    {
        var planKey = payload.Direct is { } direct ? await services.Services.Executor.SavePlanAsync(direct, CancellationToken.None) : payload.PlanKey!;
        var outcome = await services.Services.Executor.ExecuteSavedPlanAsync(planKey, services.Display, CancellationToken.None);
        services.Log.Write($"Plan {planKey}: {outcome.Stored.Count} stored, {outcome.Failed.Count} failed, {outcome.Remaining} remaining after invocation {outcome.Invocations}");
        return new WorkerResult
        {
            Done = outcome.Done,
            PlanKey = planKey,
            Stored = outcome.Stored.Count,
            Failed = outcome.Failed.Count,
            Remaining = outcome.Remaining,
            BytesTransferred = outcome.BytesTransferred,
            Invocations = outcome.Invocations,
        };
    });
}
