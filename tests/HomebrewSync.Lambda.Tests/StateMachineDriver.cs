using System.Text;
using System.Text.Json;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Lambda.Tests;

/// <summary>
/// Follows the deployed state machine's rules (OrchestrationConstruct) with the real handlers and the real ECS
/// command line as a process: Plan; then by route either the worker until <c>done</c> (at most
/// <see cref="MaxWorkerInvocations"/> times, else the loop-bound failure) or <c>homebrew-sync sync --plan</c>,
/// whose exit code 0 ends in Done, 3 in DoneWithWarnings (States.TaskFailed whose task exited 3) and anything
/// else in the failure path; every failure is handed to the orchestrator's notify_failure, as the Catch does.
/// </summary>
public sealed class StateMachineDriver(LambdaServices services, IReadOnlyDictionary<string, string?> ecsEnvironment, int maxWorkerInvocations = 50)
{
    public const string Done = EndStates.Done;
    public const string DoneOnEcs = EndStates.DoneOnEcs;
    public const string DoneWithWarnings = EndStates.DoneWithWarnings;
    public const string Failed = EndStates.SyncFailed;
    public const string Rejected = EndStates.InputRejected;

    public int MaxWorkerInvocations { get; } = maxWorkerInvocations;
    public List<WorkerResult> WorkerResults { get; } = [];
    public OrchestratorResult? Planned { get; private set; }
    public CliProcessResult? Ecs { get; private set; }

    /// <summary>The state the execution ended in.</summary>
    public string? EndState { get; private set; }

    /// <summary>The error the failure path reported (Step Functions' Error and Cause).</summary>
    public StateError? Caught { get; private set; }

    /// <summary>Runs an execution; a worker step that throws can be simulated with <paramref name="failWorkerOnInvocation"/>.</summary>
    public async Task RunAsync(string trigger, int? failWorkerOnInvocation = null)
    {
        try
        {
            Planned = await InvokeAsync<OrchestratorResult>(new OrchestratorFunction(new(services)), trigger);
        }
        catch (TriggerFormatException)
        {
            EndState = Rejected;
            return;
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            await FailAsync(LambdaError(ex));
            return;
        }
        if (Planned.Route == Routes.Ecs)
        {
            Ecs = await CliProcess.RunAsync(ecsEnvironment, [.. Planned.EcsCommand]);
            // The mapping the synthesized state machine is proven to follow (Infra.Tests' StateMachineRouteTests walk its ASL).
            EndState = EndStates.ForEcsExitCode(Ecs.ExitCode);
            if (EndState == Failed)
            {
                await FailAsync(new StateError { Error = "States.TaskFailed", Cause = JsonSerializer.Serialize(new { Containers = new[] { new { ExitCode = Ecs.ExitCode } }, StoppedReason = "Essential container in task exited" }) });
            }
            return;
        }
        var request = JsonSerializer.Serialize(new WorkerRequest { PlanKey = Planned.PlanKey });
        while (true)
        {
            WorkerResult result;
            try
            {
                if (WorkerResults.Count + 1 == failWorkerOnInvocation)
                {
                    throw new TimeoutException("Task timed out after 900.00 seconds");
                }
                result = await InvokeAsync<WorkerResult>(new WorkerFunction(new(services)), request);
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                await FailAsync(LambdaError(ex));
                return;
            }
            WorkerResults.Add(result);
            if (result.Done)
            {
                EndState = Done;
                return;
            }
            if (result.Invocations >= MaxWorkerInvocations)
            {
                await FailAsync(new StateError { Error = FailureNames.WorkerLoopBound, Cause = $"The worker did not finish the plan in {MaxWorkerInvocations} invocations" });
                return;
            }
        }
    }

    private async Task FailAsync(StateError error)
    {
        Caught = error;
        var notice = new FailureNotice { Error = error, PlanKey = Planned?.PlanKey };
        await InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), JsonSerializer.Serialize(notice));
        EndState = Failed;
    }

    /// <summary>What Step Functions reports for a Lambda function that threw.</summary>
    private static StateError LambdaError(Exception ex) =>
        new() { Error = ex.GetType().Name, Cause = JsonSerializer.Serialize(new { errorMessage = ex.Message, errorType = ex.GetType().Name }) };

    public static async Task<T> InvokeAsync<T>(OrchestratorFunction f, string payload) => await ReadAsync<T>(await f.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload))));

    public static async Task<T> InvokeAsync<T>(WorkerFunction f, string payload) => await ReadAsync<T>(await f.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload))));

    private static async Task<T> ReadAsync<T>(Stream s) => (await JsonSerializer.DeserializeAsync<T>(s))!;
}
