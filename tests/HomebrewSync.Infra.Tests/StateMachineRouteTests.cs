using System.Text.Json;
using System.Text.Json.Nodes;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;

namespace HomebrewSync.Infra.Tests;

/// <summary>
/// The ECS route as synthesized: the state machine's definition is read from the template and followed state by state
/// (<see cref="AslWalk"/>) for each way the task can end, and must end where <see cref="EndStates.ForEcsExitCode"/>
/// says (the Lambda tests execute the same synthesized definition with the real handlers and the task's command line). AWS's own failure modes too:
/// throttled and failing Lambda invokes, ECS capacity errors, a Fargate Spot interruption, a task that runs too long.
/// </summary>
public sealed class StateMachineRouteTests(ProdStack prod, DevStack dev, AliceStack alice) : IClassFixture<ProdStack>, IClassFixture<DevStack>, IClassFixture<AliceStack>
{
    private const string PlanKey = "plans/2026-11-29/030000-abc.json";
    private const string Command = """["sync","--plan","s3://homebrew-bottles-prod-123456789012/plans/2026-11-29/030000-abc.json"]""";

    private IEnumerable<Synthesized> StagesWithEcs => [prod, dev];

    private IEnumerable<Synthesized> Stages => [prod, dev, alice];

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
    [InlineData("States.TaskFailed", """{"StopCode":"UserInitiated","StoppedReason":"Task stopped by user","Containers":[{"Name":"homebrew-sync"}]}""")]
    [InlineData("States.TaskFailed", "Task was stopped")]
    [InlineData("ECS.AmazonECSException", "Capacity is unavailable at this time. Please try again later or in a different availability zone")]
    [InlineData("AmazonECS.Unknown", "RunTask returned Failures: RESOURCE:ENI")]
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
    public void BothEcsTasks_RetryEcsCapacityThrottlingAndRunTaskFailures_WithBackoffAndFullJitter_ButNotATaskThatRanAndFailed()
    {
        foreach (var stage in StagesWithEcs)
        {
            var definition = StateMachineDefinition.Read(stage);
            foreach (var state in new[] { "TransferOnEcs", "TransferOnEcsOnDemand" })
            {
                var retries = definition["States"]![state]!["Retry"]!.AsArray();
                var retried = retries.SelectMany(r => r!["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>())).ToArray();
                // "Capacity is unavailable" and "Rate exceeded" reach Step Functions as ECS.AmazonECSException; ECS's own faults as
                // ECS.ServerException; a RunTask answered 200 with Failures (no task started) as AmazonECS.Unknown.
                Assert.Contains("ECS.AmazonECSException", retried);
                Assert.Contains("ECS.ServerException", retried);
                Assert.Contains("AmazonECS.Unknown", retried);
                // A task that ran and exited non-zero has sent its own messages: running it again would repeat them.
                Assert.DoesNotContain("States.TaskFailed", retried);
                Assert.DoesNotContain("States.Timeout", retried);
                Assert.DoesNotContain("States.ALL", retried);
                Assert.All(retries, r =>
                {
                    Assert.True(r!["MaxAttempts"]!.GetValue<int>() >= 2, r.ToJsonString());
                    Assert.True(r["IntervalSeconds"]!.GetValue<int>() >= 10 && r["BackoffRate"]!.GetValue<double>() > 1, r.ToJsonString());
                    Assert.Equal("FULL", r["JitterStrategy"]!.GetValue<string>());
                    Assert.True(r["MaxDelaySeconds"]!.GetValue<int>() >= r["IntervalSeconds"]!.GetValue<int>(), r.ToJsonString());
                });
            }
        }
    }

    [Fact]
    public void EveryLambdaTask_RetriesThrottlingAndLambdasServiceErrors_WithBackoffAndFullJitter()
    {
        foreach (var stage in Stages)
        {
            var lambdaTasks = StateMachineDefinition.States(stage).Where(s => IsLambdaTask(s.Value!.AsObject())).ToArray();
            var expected = new[] { "Plan", "TransferOnLambda", "NotifyPlanFailure", "NotifyRunFailure" };
            Assert.Equal(expected.Order(StringComparer.Ordinal), lambdaTasks.Select(s => s.Key).Order(StringComparer.Ordinal));
            var orchestrator = stage.ResourcesById("AWS::Lambda::Function").Single(f => f.Value["Properties"]!["FunctionName"]?.GetValue<string>() == stage.Names.OrchestratorFunction).Key;
            Assert.Equal($"arn:REF:lambda:REF:REF:function:{orchestrator}", lambdaTasks.Single(t => t.Key == "Plan").Value!["Resource"]!.GetValue<string>());
            foreach (var (name, state) in lambdaTasks)
            {
                // First: CDK's own list of service errors (its default retrier is turned off) plus throttling. The failure
                // notices also retry anything else (their only effect is one message), in a last retrier of their own.
                var retriers = state!["Retry"]!.AsArray();
                Assert.Equal(name.StartsWith("Notify", StringComparison.Ordinal) ? 2 : 1, retriers.Count);
                if (retriers.Count == 2)
                {
                    Assert.Equal("""["States.ALL"]""", retriers[1]!["ErrorEquals"]!.ToJsonString());
                    Assert.True(retriers[1]!["MaxAttempts"]!.GetValue<int>() >= 2, retriers[1]!.ToJsonString());
                }
                var retry = retriers[0]!;
                var errors = retry["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray();
                Assert.True(errors.Order(StringComparer.Ordinal).SequenceEqual(new[]
                {
                    "Lambda.AWSLambdaException", "Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
                }.Order(StringComparer.Ordinal)), $"{stage.Names.StackName} {name}: {retry.ToJsonString()}");
                Assert.Equal("FULL", retry["JitterStrategy"]!.GetValue<string>());
                Assert.True(retry["BackoffRate"]!.GetValue<double>() > 1 && retry["MaxAttempts"]!.GetValue<int>() >= 6 && retry["MaxDelaySeconds"]!.GetValue<int>() <= 120, retry.ToJsonString());
            }
        }
    }

    [Fact]
    public void ThrottledInvokes_AreRetried_AndTheRunGoesOn_OnEveryStage()
    {
        foreach (var stage in Stages)
        {
            var definition = StateMachineDefinition.Read(stage);
            var throttles = new Dictionary<string, int>(StringComparer.Ordinal) { ["Plan"] = 3, ["TransferOnLambda"] = 2 };
            var walk = new AslWalk(definition, call =>
            {
                if (throttles.TryGetValue(call.State, out var left) && left > 0)
                {
                    throttles[call.State] = left - 1;
                    return TaskOutcome.Failed("Lambda.TooManyRequestsException", "Rate Exceeded.");
                }
                return call.State switch
                {
                    "Plan" => TaskOutcome.Succeeded(PlanResult(Routes.Lambda)),
                    "TransferOnLambda" => TaskOutcome.Succeeded(new JsonObject { ["done"] = true, ["plan_key"] = PlanKey, ["invocations"] = 1 }),
                    _ => throw new InvalidOperationException($"the run entered {call.State}"),
                };
            });

            var end = walk.Run(Trigger());

            Assert.True(end == EndStates.Done, $"{stage.Names.StackName}: {string.Join(" -> ", walk.Visited)}");
            Assert.Equal((4, 3), (walk.Tasks.Count(t => t.State == "Plan"), walk.Tasks.Count(t => t.State == "TransferOnLambda")));
            Assert.DoesNotContain(walk.Tasks, IsNotifyFailure);
        }
    }

    [Fact]
    public void ThrottlingThatOutlastsTheRetries_IsReportedThroughTheFailurePath()
    {
        foreach (var stage in Stages)
        {
            var walk = new AslWalk(StateMachineDefinition.Read(stage), call => call.State switch
            {
                "Plan" => TaskOutcome.Failed("Lambda.TooManyRequestsException", "Rate Exceeded."),
                _ when IsNotifyFailure(call) => TaskOutcome.Succeeded(),
                _ => throw new InvalidOperationException($"the run entered {call.State}"),
            });

            var end = walk.Run(Trigger());

            Assert.Equal(EndStates.SyncFailed, end);
            var maxAttempts = StateMachineDefinition.States(stage)["Plan"]!["Retry"]![0]!["MaxAttempts"]!.GetValue<int>();
            Assert.Equal(maxAttempts + 1, walk.Tasks.Count(t => t.State == "Plan"));
            var notice = Assert.Single(walk.Tasks, IsNotifyFailure).Parameters.Deserialize<FailureNotice>()!;
            Assert.Equal("Lambda.TooManyRequestsException", notice.Error.Error);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(EndStates.WarningsExitCode)]
    [InlineData(1)]
    public void SpotInterruption_RunsTheSamePlanOnceMoreOnOnDemandFargate_WhichEndsWhereItsExitCodeSays(int rerunExitCode)
    {
        foreach (var stage in StagesWithEcs)
        {
            var definition = StateMachineDefinition.Read(stage);
            var outcomes = new Queue<TaskOutcome>([
                TaskOutcome.Failed("States.TaskFailed", SpotInterrupted(143).ToJsonString()),
                rerunExitCode == 0 ? TaskOutcome.Succeeded(StoppedTask(0)) : TaskOutcome.Failed("States.TaskFailed", StoppedTask(rerunExitCode).ToJsonString()),
            ]);
            var walk = Walk(definition, () => outcomes.Dequeue());

            var end = walk.Run(Trigger());

            var expected = EndStates.ForEcsExitCode(rerunExitCode);
            Assert.True(expected == end, $"{stage.Names.StackName}: ended in {end} ({string.Join(" -> ", walk.Visited)}), expected {expected}");
            var runs = walk.Tasks.Where(t => IsRunTask(t.Definition)).ToArray();
            Assert.Equal(new[] { "TransferOnEcs", "TransferOnEcsOnDemand" }, runs.Select(r => r.State));
            // The re-run is on on-demand Fargate, never Spot, with the same saved plan (the task resumes from the hash file).
            var rerun = runs[1].Parameters!;
            Assert.Equal("FARGATE", rerun["LaunchType"]!.GetValue<string>());
            Assert.Null(rerun["CapacityProviderStrategy"]);
            Assert.Equal(Command, rerun["Overrides"]!["ContainerOverrides"]![0]!["Command"]!.ToJsonString());
            // The interruption itself is no failure: only a re-run that fails is reported.
            var notices = walk.Tasks.Where(IsNotifyFailure).Select(t => t.Parameters.Deserialize<FailureNotice>()!).ToArray();
            if (expected == EndStates.SyncFailed)
            {
                var notice = Assert.Single(notices);
                Assert.Equal(rerunExitCode, JsonNode.Parse(notice.Error.Cause!)!["Containers"]![0]!["ExitCode"]!.GetValue<int>());
            }
            else
            {
                Assert.Empty(notices);
            }
        }
    }

    [Fact]
    public void SpotInterruption_IsRetriedOnce_AnInterruptedReRunEndsSyncFailed()
    {
        foreach (var stage in StagesWithEcs)
        {
            var walk = Walk(StateMachineDefinition.Read(stage), () => TaskOutcome.Failed("States.TaskFailed", SpotInterrupted(130).ToJsonString()));

            var end = walk.Run(Trigger());

            Assert.Equal(EndStates.SyncFailed, end);
            Assert.Equal(2, walk.Tasks.Count(t => IsRunTask(t.Definition)));
            Assert.Single(walk.Tasks, IsNotifyFailure);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void TaskThatNeverStarted_RunsTheSamePlanOnceMoreOnOnDemandFargate_AndOnlyThen(int rerunExitCode)
    {
        foreach (var stage in StagesWithEcs)
        {
            var definition = StateMachineDefinition.Read(stage);
            var outcomes = new Queue<TaskOutcome>([
                TaskOutcome.Failed("States.TaskFailed", NeverStarted().ToJsonString()),
                rerunExitCode == 0 ? TaskOutcome.Succeeded(StoppedTask(0)) : TaskOutcome.Failed("States.TaskFailed", NeverStarted().ToJsonString()),
            ]);
            var walk = Walk(definition, () => outcomes.Dequeue());

            var end = walk.Run(Trigger());

            var runs = walk.Tasks.Where(t => IsRunTask(t.Definition)).Select(t => t.State).ToArray();
            Assert.True(new[] { "TransferOnEcs", "TransferOnEcsOnDemand" }.SequenceEqual(runs), $"{stage.Names.StackName}: {string.Join(" -> ", walk.Visited)}");
            if (rerunExitCode == 0)
            {
                Assert.Equal(EndStates.DoneOnEcs, end);
                Assert.DoesNotContain(walk.Tasks, IsNotifyFailure);
            }
            else
            {
                // A re-run that does not start either is reported, not tried a third time.
                Assert.Equal(EndStates.SyncFailed, end);
                var notice = Assert.Single(walk.Tasks, IsNotifyFailure).Parameters.Deserialize<FailureNotice>()!;
                Assert.Contains(EcsStopCodes.TaskFailedToStart, notice.Error.Cause, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void NoSpotCapacityOnceRunTasksRetriesAreSpent_RunsThePlanOnOnDemandFargate_WhereSpotIsConfigured()
    {
        foreach (var stage in StagesWithEcs)
        {
            var definition = StateMachineDefinition.Read(stage);
            var walk = Walk(definition, call => call.State == "TransferOnEcs"
                ? TaskOutcome.Failed("AmazonECS.Unknown", "RunTask returned Failures: Capacity is unavailable at this time")
                : TaskOutcome.Succeeded(StoppedTask(0)));

            var end = walk.Run(Trigger());

            var retries = definition["States"]!["TransferOnEcs"]!["Retry"]![0]!["MaxAttempts"]!.GetValue<int>();
            Assert.Equal(retries + 1, walk.Tasks.Count(t => t.State == "TransferOnEcs"));
            if (stage.Config.EcsEnableFargateSpot)
            {
                Assert.True(end == EndStates.DoneOnEcs, $"{stage.Names.StackName}: {string.Join(" -> ", walk.Visited)}");
                Assert.Single(walk.Tasks, t => t.State == "TransferOnEcsOnDemand");
                Assert.DoesNotContain(walk.Tasks, IsNotifyFailure);
            }
            else
            {
                // Already on demand: no other capacity to turn to.
                Assert.Equal(EndStates.SyncFailed, end);
                Assert.DoesNotContain(walk.Tasks, t => t.State == "TransferOnEcsOnDemand");
            }
        }
    }

    [Fact]
    public void WorkerThatLeftOnlyTheFinish_OnItsLastAllowedInvocation_IsInvokedOnceMore_AndTheRunEndsDone()
    {
        foreach (var stage in Stages)
        {
            var max = stage.Config.MaxWorkerInvocations;
            var calls = 0;
            var walk = new AslWalk(StateMachineDefinition.Read(stage), call => call.State switch
            {
                "Plan" => TaskOutcome.Succeeded(PlanResult(Routes.Lambda)),
                // Bottles left until the last allowed invocation, which attempts every one but leaves the finish to the next.
                "TransferOnLambda" => ++calls switch
                {
                    var n when n < max => TaskOutcome.Succeeded(new JsonObject { ["done"] = false, ["plan_key"] = PlanKey, ["remaining"] = 3, ["invocations"] = n }),
                    var n when n == max => TaskOutcome.Succeeded(new JsonObject { ["done"] = false, ["plan_key"] = PlanKey, ["remaining"] = 0, ["invocations"] = n }),
                    var n => TaskOutcome.Succeeded(new JsonObject { ["done"] = true, ["plan_key"] = PlanKey, ["remaining"] = 0, ["invocations"] = n }),
                },
                _ when IsNotifyFailure(call) => TaskOutcome.Succeeded(),
                _ => throw new InvalidOperationException($"the run entered {call.State}"),
            });

            var end = walk.Run(Trigger());

            Assert.True(end == EndStates.Done, $"{stage.Names.StackName}: {string.Join(" -> ", walk.Visited)}");
            Assert.Equal(max + 1, walk.Tasks.Count(t => t.State == "TransferOnLambda"));
            Assert.DoesNotContain(walk.Tasks, IsNotifyFailure);
        }
    }

    [Fact]
    public void WorkerThatStillLeavesBottles_OnItsLastAllowedInvocation_EndsInTheFailurePath()
    {
        foreach (var stage in Stages)
        {
            var calls = 0;
            var walk = new AslWalk(StateMachineDefinition.Read(stage), call => call.State switch
            {
                "Plan" => TaskOutcome.Succeeded(PlanResult(Routes.Lambda)),
                "TransferOnLambda" => TaskOutcome.Succeeded(new JsonObject { ["done"] = false, ["plan_key"] = PlanKey, ["remaining"] = 3, ["invocations"] = ++calls }),
                _ when IsNotifyFailure(call) => TaskOutcome.Succeeded(),
                _ => throw new InvalidOperationException($"the run entered {call.State}"),
            });

            var end = walk.Run(Trigger());

            Assert.Equal(EndStates.SyncFailed, end);
            Assert.Equal(stage.Config.MaxWorkerInvocations, calls);
            var notice = Assert.Single(walk.Tasks, IsNotifyFailure).Parameters.Deserialize<FailureNotice>()!;
            Assert.Equal(OrchestratorActions.WorkerLoopBoundError, notice.Error.Error);
        }
    }

    [Fact]
    public void FailureNoticeThatFailsOnce_IsSentAgain_AndTheRunEndsFailed()
    {
        foreach (var stage in Stages)
        {
            var notices = 0;
            var walk = new AslWalk(StateMachineDefinition.Read(stage), call => call.State switch
            {
                "Plan" => TaskOutcome.Failed("States.TaskFailed", "the catalog could not be read"),
                // The orchestrator's first try at the notice fails for its own reasons (the Slack secret's read throttled).
                _ when IsNotifyFailure(call) => ++notices == 1 ? TaskOutcome.Failed("SecretUnavailableException", "Rate exceeded") : TaskOutcome.Succeeded(),
                _ => throw new InvalidOperationException($"the run entered {call.State}"),
            });

            var end = walk.Run(Trigger());

            Assert.Equal(EndStates.SyncFailed, end);
            Assert.Equal(2, notices);
        }
    }

    [Fact]
    public void BothEcsTasks_HaveTheConfiguredTimeout_WellUnderTheExecutionTimeout()
    {
        foreach (var stage in StagesWithEcs)
        {
            var definition = StateMachineDefinition.Read(stage);
            var execution = definition["TimeoutSeconds"]!.GetValue<int>();
            Assert.Equal(DeploymentConfig.ExecutionTimeout.TotalSeconds, execution);
            foreach (var state in new[] { "TransferOnEcs", "TransferOnEcsOnDemand" })
            {
                var timeout = definition["States"]![state]!["TimeoutSeconds"]!.GetValue<int>();
                Assert.Equal(stage.Config.EcsTaskTimeoutMinutes * 60, timeout);
            }
            // A Spot task and its on-demand re-run both fit the execution.
            Assert.True(2 * stage.Config.EcsTaskTimeoutMinutes * 60 < execution, $"{stage.Names.StackName}: {stage.Config.EcsTaskTimeoutMinutes} min");
        }
    }

    [Fact]
    public void TimedOutTask_OnEitherLaunch_IsReportedAsATimeout_ThroughTheFailurePath()
    {
        foreach (var stage in StagesWithEcs)
        {
            var definition = StateMachineDefinition.Read(stage);
            var first = Walk(definition, () => new TaskOutcome(null, "States.Timeout"));
            var outcomes = new Queue<TaskOutcome>([TaskOutcome.Failed("States.TaskFailed", SpotInterrupted(143).ToJsonString()), new TaskOutcome(null, "States.Timeout")]);
            var afterInterruption = Walk(definition, () => outcomes.Dequeue());

            foreach (var walk in new[] { first, afterInterruption })
            {
                var end = walk.Run(Trigger());

                Assert.True(end == EndStates.SyncFailed, $"{stage.Names.StackName}: {string.Join(" -> ", walk.Visited)}");
                Assert.Contains("EcsTaskTimedOut", walk.Visited);
                var notice = Assert.Single(walk.Tasks, IsNotifyFailure).Parameters.Deserialize<FailureNotice>()!;
                // The orchestrator's "failed" shows States.Timeout as "Timeout" (FailureNames) with this cause.
                Assert.Equal("States.Timeout", notice.Error.Error);
                Assert.Equal(PlanKey, notice.PlanKey);
                Assert.Contains($"ecs_task_timeout_minutes ({stage.Config.EcsTaskTimeoutMinutes} min)", notice.Error.Cause, StringComparison.Ordinal);
            }
            Assert.Single(first.Tasks, t => IsRunTask(t.Definition));
        }
    }

    [Fact]
    public void ExecutionThatTimesOutOrIsAborted_HasTheOrchestratorSendFailed_OnEveryStage()
    {
        foreach (var stage in Stages)
        {
            var machine = stage.ResourcesById("AWS::StepFunctions::StateMachine").Single().Key;
            var orchestrator = stage.ResourcesById("AWS::Lambda::Function").Single(f => f.Value["Properties"]!["FunctionName"]?.GetValue<string>() == stage.Names.OrchestratorFunction).Key;
            foreach (var (status, error) in new[] { ("TIMED_OUT", "States.Timeout"), ("ABORTED", "ExecutionAborted") })
            {
                var rule = Assert.Single(stage.Resources("AWS::Events::Rule"), r => r["Properties"]!["EventPattern"]?["detail"]?["status"]?[0]?.GetValue<string>() == status)["Properties"]!;
                Assert.Equal("""["aws.states"]""", rule["EventPattern"]!["source"]!.ToJsonString());
                Assert.Equal($$"""[{"Ref":"{{machine}}"}]""", rule["EventPattern"]!["detail"]!["stateMachineArn"]!.ToJsonString());
                var target = Assert.Single(rule["Targets"]!.AsArray())!;
                Assert.Equal(orchestrator, target["Arn"]!["Fn::GetAtt"]![0]!.GetValue<string>());
                // What the orchestrator receives, with EventBridge's placeholder filled in: a notify_failure it accepts.
                var input = target["InputTransformer"]!["InputTemplate"]!.GetValue<string>().Replace("<detail-executionArn>", "arn:aws:states:us-east-1:123456789012:execution:x:y", StringComparison.Ordinal);
                var notice = JsonSerializer.Deserialize<FailureNotice>(input)!;
                Assert.Equal((OrchestratorActions.NotifyFailure, error), (notice.Action, notice.Error.Error));
                Assert.EndsWith(":execution:x:y", notice.Error.Cause, StringComparison.Ordinal);
                Assert.Equal("$.detail.executionArn", target["InputTransformer"]!["InputPathsMap"]!["detail-executionArn"]!.GetValue<string>());
            }
            // EventBridge may invoke the orchestrator for them.
            Assert.Contains(stage.Resources("AWS::Lambda::Permission"), p => p["Properties"]!["Principal"]!.GetValue<string>() == "events.amazonaws.com"
                && p["Properties"]!["SourceArn"]!.ToJsonString().Contains("ExecutionTimedOut", StringComparison.Ordinal));
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
    private static AslWalk Walk(JsonObject definition, TaskOutcome ecs) => Walk(definition, () => ecs);

    /// <summary>A walk in which the plan goes to ECS, each RunTask ends with the next of <paramref name="ecs"/>, and notify_failure succeeds.</summary>
    private static AslWalk Walk(JsonObject definition, Func<TaskOutcome> ecs) => Walk(definition, _ => ecs());

    /// <summary>A walk in which the plan goes to ECS, each RunTask ends as <paramref name="ecs"/> says for its call, and notify_failure succeeds.</summary>
    private static AslWalk Walk(JsonObject definition, Func<TaskCall, TaskOutcome> ecs)
    {
        var plan = definition["StartAt"]!.GetValue<string>();
        return new AslWalk(definition, call =>
        {
            if (call.State == plan)
            {
                return TaskOutcome.Succeeded(PlanResult(Routes.Ecs));
            }
            if (IsRunTask(call.Definition))
            {
                Assert.Equal(Command, call.Parameters!["Overrides"]!["ContainerOverrides"]![0]!["Command"]!.ToJsonString());
                return ecs(call);
            }
            if (IsNotifyFailure(call))
            {
                return TaskOutcome.Succeeded(new JsonObject { ["notified"] = true });
            }
            throw new InvalidOperationException($"the ECS route entered {call.State}");
        });
    }

    private static JsonNode PlanResult(string route) => JsonSerializer.SerializeToNode(new OrchestratorResult
    {
        PlanKey = PlanKey, Store = "s3://homebrew-bottles-prod-123456789012", Bottles = 120, TotalBytes = 60L << 30, Skipped = 0,
        Route = route, SyncDate = "2026-11-29", Trigger = "Scheduled", EcsCommand = ["sync", "--plan", "s3://homebrew-bottles-prod-123456789012/" + PlanKey],
    })!;

    /// <summary>A task Fargate Spot took back: ECS stopped it (SIGTERM), the CLI exited with <paramref name="exitCode"/>.</summary>
    private static JsonObject SpotInterrupted(int exitCode) => new()
    {
        ["LastStatus"] = "STOPPED",
        ["StopCode"] = EcsStopCodes.SpotInterruption,
        ["StoppedReason"] = "Your Spot Task was interrupted.",
        ["Containers"] = new JsonArray(new JsonObject { ["Name"] = "homebrew-sync", ["ExitCode"] = exitCode, ["LastStatus"] = "STOPPED" }),
    };

    /// <summary>A task that never started: its network interface could not be made (nothing ran, no exit code).</summary>
    private static JsonObject NeverStarted() => new()
    {
        ["LastStatus"] = "STOPPED",
        ["StopCode"] = EcsStopCodes.TaskFailedToStart,
        ["StoppedReason"] = "ResourceInitializationError: failed to configure ENI",
        ["Containers"] = new JsonArray(new JsonObject { ["Name"] = "homebrew-sync", ["LastStatus"] = "STOPPED" }),
    };

    private static JsonObject Trigger() => new() { ["source"] = "aws.events", ["detail-type"] = "Scheduled Event" };

    /// <summary>The stopped task as Step Functions' ecs:runTask.sync gives it (DescribeTasks' task, keys capitalised).</summary>
    private static JsonObject StoppedTask(int exitCode) => new()
    {
        ["LastStatus"] = "STOPPED",
        ["StopCode"] = "EssentialContainerExited",
        ["StoppedReason"] = "Essential container in task exited",
        ["Containers"] = new JsonArray(new JsonObject { ["Name"] = "homebrew-sync", ["ExitCode"] = exitCode, ["LastStatus"] = "STOPPED" }),
    };

    /// <summary>A Lambda task: through the lambda:invoke integration, or (the payload as the result) naming the function itself.</summary>
    private static bool IsLambdaTask(JsonObject state) => state["Type"]!.GetValue<string>() == "Task"
        && state["Resource"]!.GetValue<string>() is var resource
        && (resource.EndsWith(":states:::lambda:invoke", StringComparison.Ordinal) || resource.StartsWith("arn:REF:lambda:REF:REF:function:", StringComparison.Ordinal));

    private static bool IsRunTask(JsonObject state) => state["Resource"]?.GetValue<string>().EndsWith(":ecs:runTask.sync", StringComparison.Ordinal) == true;

    private static bool IsNotifyFailure(TaskCall call) => call.Parameters?["action"]?.GetValue<string>() == OrchestratorActions.NotifyFailure;

    private static JsonObject RunTaskState(JsonObject definition) => definition["States"]!["TransferOnEcs"]!.AsObject();
}
