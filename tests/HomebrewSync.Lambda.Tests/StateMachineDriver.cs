using System.Text;
using System.Text.Json;
using HomebrewSync.Cli;
using HomebrewSync.Contracts.StateMachine;

namespace HomebrewSync.Lambda.Tests;

/// <summary>
/// Follows the state machine's rules in-process: orchestrator, then by route either the worker until
/// <c>done</c> or the ECS task's command line; any failure is caught and handed to the orchestrator's
/// notify_failure action, as the Catch of the deployed state machine does.
/// </summary>
public sealed class StateMachineDriver(LambdaServices services, IReadOnlyDictionary<string, string?> environment)
{
    public const int MaxWorkerInvocations = 50;

    public List<WorkerResult> WorkerResults { get; } = [];
    public OrchestratorResult? Planned { get; private set; }
    public int? EcsExitCode { get; private set; }
    public string EcsOutput { get; private set; } = "";
    public Exception? Caught { get; private set; }

    /// <summary>Runs an execution; a worker step that throws can be simulated with <paramref name="failWorkerOnInvocation"/>.</summary>
    public async Task RunAsync(string trigger, int? failWorkerOnInvocation = null)
    {
        try
        {
            Planned = await InvokeAsync<OrchestratorResult>(new OrchestratorFunction(services), trigger);
            if (Planned.Route == Routes.Ecs)
            {
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                EcsExitCode = await CliApp.RunAsync(["sync", "--plan", $"{Planned.Store}/{Planned.PlanKey}", "--json"], environment,
                    new CliConsole(stdout, stderr, false), TimeProvider.System, CancellationToken.None);
                EcsOutput = stdout + stderr.ToString();
                if (EcsExitCode is not (0 or 3))
                {
                    throw new InvalidOperationException($"ECS task exited {EcsExitCode}: {stderr}");
                }
                return;
            }
            var request = JsonSerializer.Serialize(new WorkerRequest { PlanKey = Planned.PlanKey });
            for (var i = 1; i <= MaxWorkerInvocations; i++)
            {
                if (i == failWorkerOnInvocation)
                {
                    throw new TimeoutException("Task timed out after 900.00 seconds");
                }
                var result = await InvokeAsync<WorkerResult>(new WorkerFunction(services), request);
                WorkerResults.Add(result);
                if (result.Done)
                {
                    return;
                }
            }
            throw new InvalidOperationException("the worker never reported done");
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Caught = ex;
            var notice = new FailureNotice
            {
                Error = new StateError { Error = ex.GetType().Name, Cause = JsonSerializer.Serialize(new { errorMessage = ex.Message, errorType = ex.GetType().Name }) },
                PlanKey = Planned?.PlanKey,
            };
            await InvokeAsync<JsonElement>(new OrchestratorFunction(services), JsonSerializer.Serialize(notice));
        }
    }

    public static async Task<T> InvokeAsync<T>(OrchestratorFunction f, string payload) => await ReadAsync<T>(await f.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload))));

    public static async Task<T> InvokeAsync<T>(WorkerFunction f, string payload) => await ReadAsync<T>(await f.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload))));

    private static async Task<T> ReadAsync<T>(Stream s) => (await JsonSerializer.DeserializeAsync<T>(s))!;
}
