using HomebrewSync.Adapters.Files;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Formatting;
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
        // An execution environment runs one invocation at a time, and a warm one keeps /tmp: a staged download found now was
        // left by an invocation that was killed (its timeout, memory), and would hold the staging space this one counts on.
        try
        {
            var (files, bytes) = StagingLeftovers.Delete(services.Services.Settings.Sync.TempDir, DateTime.MaxValue);
            if (files > 0)
            {
                services.Log.Write($"Removed {files} staged download(s) ({Humanize.Bytes(bytes)}) left in {services.Services.Settings.Sync.TempDir} by an earlier invocation that was stopped");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The plan may still fit in what is free: the staging budget's own checks say when it does not.
            services.Log.Write($"WARN the staged downloads left in {services.Services.Settings.Sync.TempDir} could not all be removed: {ex.Message}");
        }
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
