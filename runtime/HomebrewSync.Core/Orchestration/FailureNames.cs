using System.Text.Json;
using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Core.Orchestration;

/// <summary>Step Functions' error names and causes, as a person would read them in the "failed" message.</summary>
internal static class FailureNames
{
    public const string WorkerLoopBound = Contracts.StateMachine.OrchestratorActions.WorkerLoopBoundError;

    public static string ErrorTypeOf(string error) => error switch
    {
        "States.Timeout" => "Timeout",
        "States.TaskFailed" => "Task Failed",
        "States.HeartbeatTimeout" => "Heartbeat Timeout",
        "Lambda.Unknown" or "Lambda.ServiceException" or "Lambda.AWSLambdaException" => "Lambda Error",
        "Sandbox.Timedout" => "Lambda Timeout",
        "Ecs.TaskFailed" or "States.ECS.TaskFailed" => "ECS Task Failed",
        "ExecutionAborted" => "Execution Stopped",
        WorkerLoopBound => "Worker Did Not Finish",
        nameof(Planning.PlanInputException) => SyncNotifications.InvalidRequest,
        _ when error.EndsWith("Exception", StringComparison.Ordinal) => SyncNotifications.SplitWords(error[..^"Exception".Length]),
        _ => error,
    };

    /// <summary>
    /// A Lambda error's Cause is JSON (<c>{"errorMessage": ..., "errorType": ...}</c>): its message is what to show. An ECS
    /// task's is the stopped task (<c>Containers[].ExitCode</c>, <c>StoppedReason</c>): its exit code and reason.
    /// </summary>
    public static string CauseText(string cause)
    {
        try
        {
            using var doc = JsonDocument.Parse(cause);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errorMessage", out var m) && m.ValueKind == JsonValueKind.String)
            {
                return m.GetString()!;
            }
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Containers", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() > 0)
            {
                // Whatever the Cause holds, the notice goes out: a container or an exit code not as documented reads as none.
                var exit = c[0].ValueKind == JsonValueKind.Object && c[0].TryGetProperty("ExitCode", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var code)
                    ? code.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : "none";
                var reason = root.TryGetProperty("StoppedReason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                return $"The ECS task stopped with exit code {exit}{(reason is null ? "" : $": {reason}")}. See its log group for the run's output.";
            }
        }
        catch (JsonException)
        {
            // Plain text.
        }
        return cause;
    }
}
