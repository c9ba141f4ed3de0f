using System.Text.Json;
using System.Text.Json.Nodes;
using HomebrewSync.Contracts.StateMachine;

namespace HomebrewSync.Infra.Tests;

/// <summary>
/// The ECS route as synthesized: the state machine's definition is read from the template and followed state by state
/// (<see cref="AslWalk"/>) for each way the task can end, and must end where <see cref="EndStates.ForEcsExitCode"/>
/// says, which is what the handlers' state-machine driver reaches for the same exits.
/// </summary>
public sealed class StateMachineRouteTests(ProdStack prod, DevStack dev) : IClassFixture<ProdStack>, IClassFixture<DevStack>
{
    private const string PlanKey = "plans/2026-11-29/030000-abc.json";

    private IEnumerable<Synthesized> StagesWithEcs => [prod, dev];

    [Theory]
    [InlineData(0)]
    [InlineData(EndStates.WarningsExitCode)]
    [InlineData(2)]
    [InlineData(1)]
    [InlineData(137)]
    public void EcsTask_EndsInTheEndStateOfItsExitCode_AndOnlyFailuresNotify(int exitCode)
    {
        foreach (var stage in StagesWithEcs)
        {
            var definition = StateMachineDefinition.Read(stage);
            var walk = Walk(definition, exitCode == 0 ? TaskOutcome.Succeeded(StoppedTask(0)) : TaskOutcome.Failed("States.TaskFailed", StoppedTask(exitCode).ToJsonString()));

            var end = walk.Run(Trigger());

            var expected = EndStates.ForEcsExitCode(exitCode);
            Assert.True(expected == end, $"{stage.Names.StackName}, exit {exitCode}: ended in {end} ({string.Join(" -> ", walk.Visited)}), expected {expected}");
            Assert.Equal(expected == EndStates.SyncFailed ? "Fail" : "Succeed", definition["States"]![end]!["Type"]!.GetValue<string>());
            Assert.Single(walk.Tasks, t => IsRunTask(t.Definition));
            var notices = walk.Tasks.Where(IsNotifyFailure).Select(t => t.Parameters.Deserialize<FailureNotice>()!).ToArray();
            if (expected == EndStates.SyncFailed)
            {
                // The orchestrator's notify_failure gets the stopped task, whose exit code it reports in Slack.
                var notice = Assert.Single(notices);
                Assert.Equal(("States.TaskFailed", PlanKey), (notice.Error.Error, notice.PlanKey));
                Assert.Equal(exitCode, JsonNode.Parse(notice.Error.Cause!)!["Containers"]![0]!["ExitCode"]!.GetValue<int>());
                Assert.Contains("EcsExitCode", walk.Visited);
            }
            else
            {
                Assert.Empty(notices);
            }
        }
    }

    [Theory]
    [InlineData("States.TaskFailed", """{"StopCode":"TaskFailedToStart","StoppedReason":"CannotPullContainerError: pull access denied","Containers":[]}""")]
    [InlineData("States.TaskFailed", """{"StopCode":"SpotInterruption","StoppedReason":"Your Spot Task was interrupted.","Containers":[{"Name":"homebrew-sync"}]}""")]
    [InlineData("States.TaskFailed", "Task was stopped")]
    [InlineData("ECS.AmazonECSException", "Capacity is unavailable at this time. Please try again later or in a different availability zone")]
    [InlineData("States.Timeout", "The task did not end within the state machine's timeout")]
    public void EcsTask_ThatEndsWithoutAnExitCode_EndsSyncFailed_AfterNotifyFailure(string error, string cause)
    {
        foreach (var stage in StagesWithEcs)
        {
            var walk = Walk(StateMachineDefinition.Read(stage), TaskOutcome.Failed(error, cause));

            var end = walk.Run(Trigger());

            // Never a States.Runtime failure on a Cause that is no stopped task, or a task with no exit code.
            Assert.True(end == EndStates.SyncFailed, $"{stage.Names.StackName}, {error}: ended in {end} ({string.Join(" -> ", walk.Visited)})");
            var notice = Assert.Single(walk.Tasks, IsNotifyFailure).Parameters.Deserialize<FailureNotice>()!;
            Assert.Equal((error, cause), (notice.Error.Error, notice.Error.Cause));
        }
    }

    [Fact]
    public void TransferOnEcs_RetriesEcsCapacityAndThrottlingErrors_ButNotATaskThatRanAndFailed()
    {
        foreach (var stage in StagesWithEcs)
        {
            var retries = RunTaskState(StateMachineDefinition.Read(stage))["Retry"]!.AsArray();
            var retried = retries.SelectMany(r => r!["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>())).ToArray();
            // "Capacity is unavailable" and "Rate exceeded" reach Step Functions as ECS.AmazonECSException; ECS's own faults as ECS.ServerException.
            Assert.Contains("ECS.AmazonECSException", retried);
            Assert.Contains("ECS.ServerException", retried);
            // A task that ran and exited non-zero has sent its own messages: running it again would repeat them.
            Assert.DoesNotContain("States.TaskFailed", retried);
            Assert.DoesNotContain("States.ALL", retried);
            Assert.All(retries, r =>
            {
                Assert.True(r!["MaxAttempts"]!.GetValue<int>() >= 2, r.ToJsonString());
                Assert.True(r["IntervalSeconds"]!.GetValue<int>() >= 10 && r["BackoffRate"]!.GetValue<double>() > 1, r.ToJsonString());
            });
        }
    }

    [Fact]
    public void FargateSpot_WhenConfigured_RunsTheTaskThroughTheFargateSpotCapacityProvider_ElseOnFargate()
    {
        Assert.True(dev.Config.EcsEnableFargateSpot);
        Assert.False(prod.Config.EcsEnableFargateSpot);

        var spot = RunTaskState(StateMachineDefinition.Read(dev))["Parameters"]!;
        var onDemand = RunTaskState(StateMachineDefinition.Read(prod))["Parameters"]!;

        Assert.Equal("""[{"CapacityProvider":"FARGATE_SPOT","Weight":1,"Base":0}]""", spot["CapacityProviderStrategy"]!.ToJsonString());
        // RunTask refuses a launch type beside a capacity provider strategy.
        Assert.Null(spot["LaunchType"]);
        Assert.Null(onDemand["CapacityProviderStrategy"]);
        Assert.Equal("FARGATE", onDemand["LaunchType"]!.GetValue<string>());
        // The strategy names a provider the cluster has.
        var providers = dev.Single("AWS::ECS::ClusterCapacityProviderAssociations")["Properties"]!["CapacityProviders"]!.AsArray().Select(p => p!.GetValue<string>());
        Assert.Contains("FARGATE_SPOT", providers);
    }

    /// <summary>A walk in which the plan goes to ECS, the task ends with <paramref name="ecs"/>, and notify_failure succeeds.</summary>
    private static AslWalk Walk(JsonObject definition, TaskOutcome ecs)
    {
        var plan = definition["StartAt"]!.GetValue<string>();
        return new AslWalk(definition, call =>
        {
            if (call.State == plan)
            {
                return TaskOutcome.Succeeded(JsonSerializer.SerializeToNode(new OrchestratorResult
                {
                    PlanKey = PlanKey, Store = "s3://homebrew-bottles-prod-123456789012", Bottles = 120, TotalBytes = 60L << 30, Skipped = 0,
                    Route = Routes.Ecs, SyncDate = "2026-11-29", Trigger = "Scheduled", EcsCommand = ["sync", "--plan", "s3://homebrew-bottles-prod-123456789012/" + PlanKey],
                }));
            }
            if (IsRunTask(call.Definition))
            {
                Assert.Equal("""["sync","--plan","s3://homebrew-bottles-prod-123456789012/plans/2026-11-29/030000-abc.json"]""", call.Parameters!["Overrides"]!["ContainerOverrides"]![0]!["Command"]!.ToJsonString());
                return ecs;
            }
            if (IsNotifyFailure(call))
            {
                return TaskOutcome.Succeeded(new JsonObject { ["notified"] = true });
            }
            throw new InvalidOperationException($"the ECS route entered {call.State}");
        });
    }

    private static JsonObject Trigger() => new() { ["source"] = "aws.events", ["detail-type"] = "Scheduled Event" };

    /// <summary>The stopped task as Step Functions' ecs:runTask.sync gives it (DescribeTasks' task, keys capitalised).</summary>
    private static JsonObject StoppedTask(int exitCode) => new()
    {
        ["LastStatus"] = "STOPPED",
        ["StopCode"] = "EssentialContainerExited",
        ["StoppedReason"] = "Essential container in task exited",
        ["Containers"] = new JsonArray(new JsonObject { ["Name"] = "homebrew-sync", ["ExitCode"] = exitCode, ["LastStatus"] = "STOPPED" }),
    };

    private static bool IsRunTask(JsonObject state) => state["Resource"]?.GetValue<string>().EndsWith(":ecs:runTask.sync", StringComparison.Ordinal) == true;

    private static bool IsNotifyFailure(TaskCall call) => call.Parameters?["action"]?.GetValue<string>() == OrchestratorActions.NotifyFailure;

    private static JsonObject RunTaskState(JsonObject definition) =>
        Assert.Single(definition["States"]!.AsObject(), s => IsRunTask(s.Value!.AsObject())).Value!.AsObject();
}
