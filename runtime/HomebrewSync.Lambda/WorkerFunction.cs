using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Lambda;

/// <summary>
/// The Lambda worker (handler <see cref="HandlerNames.Worker"/>): executes a saved plan within TIME_BUDGET_SECONDS
/// and answers <c>done: false</c> until every bottle was attempted. Also takes the reference's direct test
/// invocation (<c>formulas</c> with their bottles, <c>sync_date</c>), saved as a plan first.
/// </summary>
public sealed class WorkerFunction
{
    private readonly Func<Task<LambdaServices>> _services;

    public WorkerFunction()
        : this(HandlerSupport.Shared.GetAsync)
    {
    }

    public WorkerFunction(LambdaServices services)
        : this(() => Task.FromResult(services))
    {
    }

    /// <summary>Services built on first use, and built again on a later invocation when that failed.</summary>
    public WorkerFunction(RetryingInit<LambdaServices> services)
        : this(services.GetAsync)
    {
    }

    private WorkerFunction(Func<Task<LambdaServices>> services)
    {
        _services = services;
    }

    public async Task<Stream> HandleAsync(Stream input)
    {
        var (planKey, direct) = WorkerPayload.Parse(await HandlerSupport.ReadAsync(input));
        var services = await _services();
        if (direct is not null)
        {
            planKey = await services.Pipeline.SavePlanAsync(direct, CancellationToken.None);
        }
        var outcome = await services.Pipeline.ExecuteSavedPlanAsync(planKey!, services.Display, CancellationToken.None);
        services.Log.Write($"Plan {planKey}: {outcome.Stored.Count} stored, {outcome.Failed.Count} failed, {outcome.Remaining} remaining after invocation {outcome.Invocations}");
        return HandlerSupport.Write(new WorkerResult
        {
            Done = outcome.Done,
            PlanKey = planKey!,
            Stored = outcome.Stored.Count,
            Failed = outcome.Failed.Count,
            Remaining = outcome.Remaining,
            BytesTransferred = outcome.BytesTransferred,
            Invocations = outcome.Invocations,
        });
    }
}
