using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Amazon.JSII.Runtime.Deputy;
using ContainerDefinition = Amazon.CDK.AWS.ECS.ContainerDefinition;
using ContainerOverride = Amazon.CDK.AWS.StepFunctions.Tasks.ContainerOverride;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;
using Constructs;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Infra.Policies;

namespace HomebrewSync.Infra.Constructs;

/// <summary>The ECS route's parts, when the stage has one.</summary>
public sealed record EcsRoute(ICluster Cluster, FargateTaskDefinition TaskDefinition, ContainerDefinition Container, SubnetSelection Subnets, ISecurityGroup SecurityGroup);

public sealed class OrchestrationProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required IFunction Orchestrator { get; init; }
    public required IFunction Worker { get; init; }
    /// <summary>Null: every plan goes to the Lambda worker.</summary>
    public required EcsRoute? Ecs { get; init; }
}

/// <summary>
/// The sync's state machine: Plan (orchestrator) -> Route -> the worker until done (at most max_worker_invocations
/// times), or ECS RunTask.sync (exit 0: done; exit 3, "completed with warnings", reported by the task: done); any
/// failure caught -> the orchestrator's notify_failure -> Fail. Started by the schedule (when enabled) and by
/// homebrew.sync events addressed to this stack; with a schedule, the orchestrator reports how old the mirror is daily
/// and after each execution that succeeded.
/// </summary>
public sealed class OrchestrationConstruct : Construct
{
    public OrchestrationConstruct(Construct scope, string id, OrchestrationProps props)
        : base(scope, id)
    {
        var c = props.Config;
        var failed = new Fail(this, EndStates.SyncFailed, new FailProps { Error = EndStates.SyncFailed, Cause = "See the failed message in Slack and the logs" });
        var rejected = new Fail(this, EndStates.InputRejected, new FailProps { Error = "TriggerFormatException", Cause = "The trigger payload is not one the orchestrator accepts" });
        var notifyPlanFailure = NotifyFailure("NotifyPlanFailure", props.Orchestrator, withPlan: false).Next(failed);
        var notifyRunFailure = NotifyFailure("NotifyRunFailure", props.Orchestrator, withPlan: true).Next(failed);

        var plan = new LambdaInvoke(this, "Plan", new LambdaInvokeProps
        {
            LambdaFunction = props.Orchestrator,
            PayloadResponseOnly = true,
            ResultPath = "$.plan",
        });
        plan.AddCatch(rejected, new CatchProps { Errors = ["TriggerFormatException"] });
        plan.AddCatch(notifyPlanFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.error" });

        var worker = new LambdaInvoke(this, "TransferOnLambda", new LambdaInvokeProps
        {
            LambdaFunction = props.Worker,
            PayloadResponseOnly = true,
            Payload = TaskInput.FromObject(new Dictionary<string, object> { ["plan_key"] = JsonPath.StringAt("$.plan.plan_key") }),
            ResultPath = "$.worker",
        });
        worker.AddCatch(notifyRunFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.error" });
        var loopBound = new Pass(this, "WorkerLoopBound", new PassProps
        {
            Parameters = new Dictionary<string, object>
            {
                ["Error"] = OrchestratorActions.WorkerLoopBoundError,
                ["Cause"] = $"The worker did not finish the plan in {c.MaxWorkerInvocations} invocations (max_worker_invocations)",
            },
            ResultPath = "$.error",
        }).Next(notifyRunFailure);
        worker.Next(new Choice(this, "WorkerDone")
            .When(Condition.BooleanEquals("$.worker.done", true), new Succeed(this, EndStates.Done))
            .When(Condition.NumberGreaterThanEquals("$.worker.invocations", c.MaxWorkerInvocations), loopBound)
            .Otherwise(worker));

        IChainable routed = worker;
        if (props.Ecs is { } ecsRoute)
        {
            routed = new Choice(this, "Route")
                .When(Condition.StringEquals("$.plan.route", Routes.Ecs), EcsTask(ecsRoute, c, notifyRunFailure))
                .Otherwise(worker);
        }

        var logs = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = props.Names.StateMachineLogGroup,
            Retention = LambdaConstruct.Retention(c.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        StateMachine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            StateMachineName = props.Names.StateMachine,
            DefinitionBody = DefinitionBody.FromChainable(plan.Next(routed)),
            Timeout = Duration.Hours(12),
            TracingEnabled = c.EnableXrayTracing,
            Logs = new LogOptions { Destination = logs, Level = LogLevel.ALL, IncludeExecutionData = false },
        });
        if (props.Ecs is not null)
        {
            PolicySuppressions.Suppress(StateMachine.Role, PolicyRule.IamWildcardResource,
                "Step Functions' ecs:runTask.sync integration (CDK) needs ecs:StopTask and ecs:DescribeTasks on tasks whose ARNs exist only at run time");
        }

        if (c.ScheduleEnabled)
        {
            ScheduleRule = new Rule(this, "Schedule", new RuleProps
            {
                RuleName = props.Names.ScheduleRule,
                Description = "Weekly (or configured) homebrew-sync run",
                Schedule = Schedule.Expression(c.ScheduleExpression),
                Targets = [new SfnStateMachine(StateMachine)],
            });
            // Only a mirror that is synced on a schedule is expected to stay fresh: without one there is no
            // freshness check and no stale-mirror alarm (MonitoringConstruct).
            var checkFreshness = RuleTargetInput.FromObject(new Dictionary<string, object> { ["action"] = OrchestratorActions.CheckFreshness });
            FreshnessRule = new Rule(this, "Freshness", new RuleProps
            {
                RuleName = $"{props.Names.Prefix}-freshness",
                Description = "Daily: the orchestrator reports how old the mirror is (MirrorAgeHours)",
                Schedule = Schedule.Rate(Duration.Days(1)),
                Targets = [new LambdaFunction(props.Orchestrator, new LambdaFunctionProps { Event = checkFreshness })],
            });
            // Also right after a run that finished, so the stale-mirror alarm clears without waiting for the daily check.
            FreshnessAfterRunRule = new Rule(this, "FreshnessAfterRun", new RuleProps
            {
                RuleName = $"{props.Names.Prefix}-freshness-after-run",
                Description = "After each execution that succeeded: the orchestrator reports how old the mirror is (MirrorAgeHours)",
                EventPattern = new EventPattern
                {
                    Source = ["aws.states"],
                    DetailType = ["Step Functions Execution Status Change"],
                    Detail = new Dictionary<string, object>
                    {
                        ["status"] = new[] { "SUCCEEDED" },
                        ["stateMachineArn"] = new[] { StateMachine.StateMachineArn },
                    },
                },
                Targets = [new LambdaFunction(props.Orchestrator, new LambdaFunctionProps { Event = checkFreshness })],
            });
        }
        // Events are addressed to a stack by detail.stack; prod also takes the reference's events, which name none.
        var stackName = Stack.Of(this).StackName;
        TriggerRule = new Rule(this, "Trigger", new RuleProps
        {
            RuleName = props.Names.TriggerRule,
            Description = $"Manual and selective syncs: aws events put-events with Source homebrew.sync and detail.stack {stackName}",
            EventPattern = new EventPattern
            {
                Source = ["homebrew.sync"],
                DetailType = ["Manual Sync Trigger", "Selective Sync"],
                Detail = new Dictionary<string, object>
                {
                    ["stack"] = props.Names.Stage == DeploymentConfigLoader.BaseStage && props.Names.Owner is null
                        ? Match.AnyOf(Match.ExactString(stackName), Match.DoesNotExist())
                        : Match.ExactString(stackName),
                },
            },
            Targets = [new SfnStateMachine(StateMachine)],
        });
        if (c.PruneEnabled)
        {
            PruneRule = new Rule(this, "Prune", new RuleProps
            {
                RuleName = $"{props.Names.Prefix}-prune",
                Description = $"Weekly: the orchestrator removes bottles no target tag resolves to any more, older than {c.PruneKeepDays} days (prune_enabled)",
                Schedule = Schedule.Rate(Duration.Days(7)),
                Targets = [new LambdaFunction(props.Orchestrator, new LambdaFunctionProps { Event = RuleTargetInput.FromObject(new Dictionary<string, object> { ["action"] = OrchestratorActions.Prune, ["keep_days"] = c.PruneKeepDays }) })],
            });
        }
    }

    public StateMachine StateMachine { get; }
    public Rule? PruneRule { get; }
    public Rule? ScheduleRule { get; }
    public Rule TriggerRule { get; }
    /// <summary>The daily freshness check; null without a schedule.</summary>
    public Rule? FreshnessRule { get; }
    /// <summary>The freshness check after each execution that succeeded; null without a schedule.</summary>
    public Rule? FreshnessAfterRunRule { get; }

    /// <summary>
    /// RunTask.sync with retries for ECS's own capacity and throttling errors; a container that exits non-zero fails
    /// the state (States.TaskFailed, the stopped task as Cause): exit 3 means the run ended with warnings the task
    /// already reported, so it ends as done; anything else goes to notify_failure.
    /// </summary>
    private IChainable EcsTask(EcsRoute ecs, DeploymentConfig c, IChainable notifyRunFailure)
    {
        var task = new EcsRunTask(this, "TransferOnEcs", new EcsRunTaskProps
        {
            IntegrationPattern = IntegrationPattern.RUN_JOB,
            Cluster = ecs.Cluster,
            TaskDefinition = ecs.TaskDefinition,
            LaunchTarget = c.EcsEnableFargateSpot
                ? new FargateCapacityProviderTarget([("FARGATE_SPOT", 1, 0)])
                : new EcsFargateLaunchTarget(new EcsFargateLaunchTargetOptions { PlatformVersion = FargatePlatformVersion.LATEST }),
            AssignPublicIp = false,
            Subnets = ecs.Subnets,
            SecurityGroups = [ecs.SecurityGroup],
            ContainerOverrides = [new ContainerOverride { ContainerDefinition = ecs.Container, Command = JsonPath.ListAt("$.plan.ecs_command") }],
            ResultPath = JsonPath.DISCARD,
        });
        task.AddRetry(new RetryProps
        {
            Errors = ["ECS.AmazonECSException", "ECS.ServerException", "ECS.InvalidParameterException"],
            Interval = Duration.Seconds(30),
            BackoffRate = 2,
            MaxAttempts = 4,
        });
        var doneWithWarnings = new Succeed(this, EndStates.DoneWithWarnings, new SucceedProps { Comment = "The task exited 3: some bottles failed; it sent \"completed with warnings\"" });
        var parse = new Pass(this, "ReadStoppedTask", new PassProps
        {
            // A path into the state, written the way Amazon States Language takes it (jsii cannot carry the intrinsic's token here).
            Parameters = new Dictionary<string, object> { ["task.$"] = "States.StringToJson($.error.Cause)" },
            ResultPath = "$.stopped",
        });
        var exitCode = new Choice(this, "EcsExitCode")
            .When(Condition.And(Condition.IsPresent("$.stopped.task.Containers[0].ExitCode"), Condition.NumberEquals("$.stopped.task.Containers[0].ExitCode", EndStates.WarningsExitCode)), doneWithWarnings)
            .Otherwise(notifyRunFailure);
        // Only a Cause that is a JSON object (the stopped task) can be read; any other goes straight to the failure path.
        var readable = new Choice(this, "StoppedTaskReadable")
            .When(Condition.And(Condition.IsPresent("$.error.Cause"), Condition.StringMatches("$.error.Cause", "{*}")), parse.Next(exitCode))
            .Otherwise(notifyRunFailure);
        task.AddCatch(readable, new CatchProps { Errors = ["States.TaskFailed"], ResultPath = "$.error" });
        task.AddCatch(notifyRunFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.error" });
        return task.Next(new Succeed(this, EndStates.DoneOnEcs));
    }

    private LambdaInvoke NotifyFailure(string id, IFunction orchestrator, bool withPlan)
    {
        var payload = new Dictionary<string, object>
        {
            ["action"] = FailureNotice.ActionName,
            // A path into the state, written the way Amazon States Language takes it (jsii cannot carry ObjectAt's token here).
            ["error.$"] = "$.error",
        };
        if (withPlan)
        {
            payload["plan_key"] = JsonPath.StringAt("$.plan.plan_key");
        }
        return new LambdaInvoke(this, id, new LambdaInvokeProps
        {
            LambdaFunction = orchestrator,
            PayloadResponseOnly = true,
            Payload = TaskInput.FromObject(payload),
            ResultPath = JsonPath.DISCARD,
        });
    }

    /// <summary>Fargate through capacity providers (CDK 2.160's EcsRunTask has no option for it): Fargate Spot when configured.</summary>
    private sealed class FargateCapacityProviderTarget((string Provider, int Weight, int Base)[] strategy) : DeputyBase, IEcsLaunchTarget
    {
        public IEcsLaunchTargetConfig Bind(EcsRunTask task, ILaunchTargetBindOptions launchTargetOptions) => new EcsLaunchTargetConfig
        {
            Parameters = new Dictionary<string, object>
            {
                ["CapacityProviderStrategy"] = strategy.Select(s => (object)new Dictionary<string, object> { ["CapacityProvider"] = s.Provider, ["Weight"] = s.Weight, ["Base"] = s.Base }).ToArray(),
                ["PlatformVersion"] = "LATEST",
            },
        };
    }
}
