using System.Text.Json;
using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Core.Orchestration;

/// <summary>Step Functions' error names and causes, as a person would read them in the "failed" message.</summary>
public static class FailureNames
{
    public const string WorkerLoopBound = "WorkerLoopBound";

    public static string ErrorTypeOf(string error) => error switch
    {
        "States.Timeout" => "Timeout",
        "States.TaskFailed" => "Task Failed",
        "States.HeartbeatTimeout" => "Heartbeat Timeout",
        "Lambda.Unknown" or "Lambda.ServiceException" or "Lambda.AWSLambdaException" => "Lambda Error",
        "Sandbox.Timedout" => "Lambda Timeout",
        "Ecs.TaskFailed" or "States.ECS.TaskFailed" => "ECS Task Failed",
        WorkerLoopBound => "Worker Did Not Finish",
        _ when error.EndsWith("Exception", StringComparison.Ordinal) => SyncNotifications.SplitWords(error[..^"Exception".Length]),
        _ => error,
    };

    /// <summary>A Lambda error's Cause is JSON (<c>{"errorMessage": ..., "errorType": ...}</c>): its message is what to show.</summary>
    public static string CauseText(string cause)
    {
        try
        {
            using var doc = JsonDocument.Parse(cause);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errorMessage", out var m) && m.ValueKind == JsonValueKind.String)
            {
                return m.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Plain text.
        }
        return cause;
    }
}
