using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.TestSupport.StateMachine;

namespace HomebrewSync.Lambda.Tests;

/// <summary>
/// One execution of the state machine the deployment runs: the synthesized definition (<see cref="SynthesizedStateMachine"/>)
/// walked state by state (<see cref="AslWalk"/>), each Lambda task invoking the handler its function is deployed with
/// (resolved from the template's handler string, as Lambda does) on these services, and the ECS task running its
/// container's command, <c>homebrew-sync sync --plan ...</c>, as a process with the task's environment.
/// </summary>
public sealed class StateMachineRun(SynthesizedStateMachine machine, LambdaServices services, IReadOnlyDictionary<string, string?> ecsEnvironment)
{
    public List<WorkerResult> WorkerResults { get; } = [];
    public OrchestratorResult? Planned { get; private set; }
    public CliProcessResult? Ecs { get; private set; }

    /// <summary>The state the execution ended in (<see cref="EndStates"/>).</summary>
    public string? EndState { get; private set; }

    /// <summary>The error the failure path handed notify_failure (Step Functions' Error and Cause).</summary>
    public StateError? Caught { get; private set; }

    /// <summary>Every state entered, retries noted: for a failed assertion's message.</summary>
    public IReadOnlyList<string> Visited { get; private set; } = [];

    private int? _failWorkerOnInvocation;

    /// <summary>Runs an execution on <paramref name="trigger"/>; <paramref name="failWorkerOnInvocation"/> makes that worker invocation time out.</summary>
    public async Task RunAsync(string trigger, int? failWorkerOnInvocation = null)
    {
        _failWorkerOnInvocation = failWorkerOnInvocation;
        var walk = new AslWalk(machine.Definition, RunTaskAsync);
        EndState = await walk.RunAsync(JsonNode.Parse(trigger)!);
        Visited = walk.Visited;
    }

    private async Task<TaskOutcome> RunTaskAsync(TaskCall call)
    {
        if (SynthesizedStateMachine.IsEcsRunTask(call))
        {
            Ecs = await CliProcess.RunAsync(ecsEnvironment, SynthesizedStateMachine.EcsCommand(call));
            return Ecs.ExitCode == 0 ? TaskOutcome.Succeeded(StoppedTask(0)) : TaskOutcome.Failed("States.TaskFailed", StoppedTask(Ecs.ExitCode).ToJsonString());
        }
        var handler = machine.HandlerOf(call) ?? throw new NotSupportedException($"{call.State}: {call.Definition["Resource"]} is neither a Lambda function nor ECS RunTask");
        if (call.Parameters?["action"]?.GetValue<string>() == FailureNotice.ActionName)
        {
            Caught = call.Parameters["error"].Deserialize<StateError>();
        }
        if (handler == HandlerNames.Worker && WorkerResults.Count + 1 == _failWorkerOnInvocation)
        {
            return LambdaError(new TimeoutException("Task timed out after 900.00 seconds"));
        }
        TaskOutcome outcome;
        try
        {
            outcome = TaskOutcome.Succeeded(await InvokeAsync<JsonNode>(handler, services, call.Parameters?.ToJsonString() ?? "{}"));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            return LambdaError(ex);
        }
        if (handler == HandlerNames.Worker)
        {
            WorkerResults.Add(outcome.Result.Deserialize<WorkerResult>()!);
        }
        else if (call.Parameters?["action"] is null)
        {
            Planned = outcome.Result.Deserialize<OrchestratorResult>();
        }
        return outcome;
    }

    /// <summary>Invokes a deployed handler string the way the Lambda runtime does: its type, built on these services, and its method.</summary>
    public static async Task<T> InvokeAsync<T>(string handler, LambdaServices services, string payload)
    {
        var (assembly, type, method) = handler.Split("::") is [var a, var t, var m] ? (a, t, m) : throw new ArgumentException($"{handler} is not assembly::type::method", nameof(handler));
        var function = Assembly.Load(assembly).GetType(type, throwOnError: true)!;
        var instance = Activator.CreateInstance(function, new RetryingInit<LambdaServices>(services));
        Task<Stream> answer;
        try
        {
            answer = (Task<Stream>)function.GetMethod(method, [typeof(Stream)])!.Invoke(instance, [new MemoryStream(Encoding.UTF8.GetBytes(payload))])!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
        return (await JsonSerializer.DeserializeAsync<T>(await answer))!;
    }

    public static async Task<T> InvokeAsync<T>(OrchestratorFunction f, string payload) => await ReadAsync<T>(await f.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload))));

    public static async Task<T> InvokeAsync<T>(WorkerFunction f, string payload) => await ReadAsync<T>(await f.HandleAsync(new MemoryStream(Encoding.UTF8.GetBytes(payload))));

    private static async Task<T> ReadAsync<T>(Stream s) => (await JsonSerializer.DeserializeAsync<T>(s))!;

    /// <summary>What Step Functions reports for a Lambda function that threw: the exception's type as Error, Lambda's error JSON as Cause.</summary>
    private static TaskOutcome LambdaError(Exception ex) =>
        TaskOutcome.Failed(ex.GetType().Name, JsonSerializer.Serialize(new { errorMessage = ex.Message, errorType = ex.GetType().Name }));

    /// <summary>What RunTask.sync reports for a task that stopped: its container's exit code.</summary>
    private static JsonObject StoppedTask(int exitCode) => new()
    {
        ["StopCode"] = "EssentialContainerExited",
        ["StoppedReason"] = "Essential container in task exited",
        ["Containers"] = new JsonArray(new JsonObject { ["ExitCode"] = exitCode }),
    };
}
