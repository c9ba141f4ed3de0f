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
using SfnTimeout = Amazon.CDK.AWS.StepFunctions.Timeout;
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
/// times), or ECS RunTask.sync (exit 0: done; exit 3, "completed with warnings", reported by the task: done; a Fargate
/// Spot interruption, a task that never started, or no Spot capacity left after RunTask's retries: the same plan once more
/// on on-demand Fargate; longer than ecs_task_timeout_minutes: stopped and
/// failed); any failure caught -> the orchestrator's notify_failure -> Fail. Every Lambda task retries throttling and
/// Lambda's service errors with backoff and full jitter. An execution that times out or is aborted never reaches a
/// Catch: an EventBridge rule has the orchestrator send "failed" for it. Started by the schedule (when enabled) and by
/// homebrew.sync events addressed to this stack; with a schedule, the orchestrator reports how old the mirror is daily
/// and after each execution that succeeded.
/// </summary>
public sealed partial class OrchestrationConstruct : Construct
{
    /// <summary>
    /// What every Lambda task retries: CDK's list of Lambda service errors (its retryOnServiceExceptions, turned off so
    /// one retrier holds them all) and throttling, which a busy brew endpoint can cause on the account's shared concurrency.
    /// </summary>
    public static readonly string[] LambdaRetryErrors =
    [
        "Lambda.TooManyRequestsException", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.ClientExecutionTimeoutException",
    ];

    /// <summary>
    /// What RunTask.sync retries: ECS's capacity, throttling and service errors, and a RunTask answered with Failures
    /// (AmazonECS.Unknown); none of them started a task, so running it again repeats nothing.
    /// </summary>
    public static readonly string[] EcsRetryErrors =
    [
        "ECS.AmazonECSException", "ECS.ServerException", "ECS.LimitExceededException", "ECS.InvalidParameterException", "AmazonECS.Unknown",
    ];

    public OrchestrationConstruct(Construct scope, string id, OrchestrationProps props)
        : base(scope, id)
    {
        StateMachine = CreateStateMachine(props, Definition(props));
        // An execution that times out or is aborted ends without entering a Catch: the orchestrator sends "failed" for it.
        ExecutionTimedOutRule = ExecutionEndRule("ExecutionTimedOut", $"{props.Names.Prefix}-execution-timed-out", "TIMED_OUT", props.Orchestrator,
            "States.Timeout", $"The execution ran past the state machine's {DeploymentConfig.ExecutionTimeout.TotalHours:0}-hour timeout and was stopped");
        ExecutionAbortedRule = ExecutionEndRule("ExecutionAborted", $"{props.Names.Prefix}-execution-aborted", "ABORTED", props.Orchestrator,
            "ExecutionAborted", "The execution was stopped before it finished (aws stepfunctions stop-execution or the console)");
        if (props.Config.ScheduleEnabled)
        {
            (ScheduleRule, FreshnessRule, FreshnessAfterRunRule) = ScheduleRules(props);
        }
        TriggerRule = CreateTriggerRule(props);
        if (props.Config.PruneEnabled)
        {
            PruneRule = CreatePruneRule(props);
        }
    }

    /// <summary>Plan, then Route to the worker loop or the ECS task; failures to notify_failure.</summary>
    private IChainable Definition(OrchestrationProps props)
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
            RetryOnServiceExceptions = false,
            ResultPath = "$.plan",
        });
        RetryLambdaErrors(plan);
        plan.AddCatch(rejected, new CatchProps { Errors = ["TriggerFormatException"] });
        plan.AddCatch(notifyPlanFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.error" });

        var worker = new LambdaInvoke(this, "TransferOnLambda", new LambdaInvokeProps
        {
            LambdaFunction = props.Worker,
            PayloadResponseOnly = true,
            Payload = TaskInput.FromObject(new Dictionary<string, object> { ["plan_key"] = JsonPath.StringAt("$.plan.plan_key") }),
            RetryOnServiceExceptions = false,
            ResultPath = "$.worker",
        });
        RetryLambdaErrors(worker);
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
        // The bound counts invocations that left bottles: one that attempted every bottle but left the finish (image indexes,
        // API files, the report) to the next (remaining 0) gets that one more, whose only work is the finish.
        worker.Next(new Choice(this, "WorkerDone")
            .When(Condition.BooleanEquals("$.worker.done", true), new Succeed(this, EndStates.Done))
            .When(Condition.And(
                Condition.NumberGreaterThanEquals("$.worker.invocations", c.MaxWorkerInvocations),
                Condition.NumberGreaterThan("$.worker.remaining", 0)), loopBound)
            .Otherwise(worker));

        IChainable routed = worker;
        if (props.Ecs is { } ecsRoute)
        {
            routed = new Choice(this, "Route")
                .When(Condition.StringEquals("$.plan.route", Routes.Ecs), EcsTask(ecsRoute, c, notifyRunFailure))
                .Otherwise(worker);
        }
        return plan.Next(routed);
    }

    private StateMachine CreateStateMachine(OrchestrationProps props, IChainable definition)
    {
        var c = props.Config;
        var logs = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = props.Names.StateMachineLogGroup,
            Retention = LambdaConstruct.Retention(c.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        var machine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            StateMachineName = props.Names.StateMachine,
            DefinitionBody = DefinitionBody.FromChainable(definition),
            Timeout = Duration.Minutes(DeploymentConfig.ExecutionTimeout.TotalMinutes),
            TracingEnabled = c.EnableXrayTracing,
            Logs = new LogOptions { Destination = logs, Level = LogLevel.ALL, IncludeExecutionData = false },
        });
        if (props.Ecs is not null)
        {
            PolicySuppressions.Suppress(machine.Role, PolicyRule.IamWildcardResource,
                "Step Functions' ecs:runTask.sync integration (CDK) needs ecs:StopTask and ecs:DescribeTasks on tasks whose ARNs exist only at run time");
        }
        return machine;
    }

    public StateMachine StateMachine { get; }
    /// <summary>An execution that timed out: the orchestrator's notify_failure.</summary>
    public Rule ExecutionTimedOutRule { get; }
    /// <summary>An execution that was aborted: the orchestrator's notify_failure.</summary>
    public Rule ExecutionAbortedRule { get; }
    public Rule? PruneRule { get; private set; }
    public Rule? ScheduleRule { get; private set; }
    public Rule TriggerRule { get; }
    /// <summary>The daily freshness check; null without a schedule.</summary>
    public Rule? FreshnessRule { get; private set; }
    /// <summary>The freshness check after each execution that succeeded; null without a schedule.</summary>
    public Rule? FreshnessAfterRunRule { get; private set; }

    /// <summary>
    /// RunTask.sync with retries for ECS's own capacity and throttling errors, bounded by ecs_task_timeout_minutes (a task
    /// that runs longer is stopped by Step Functions and reported as timed out); a container that exits non-zero fails
    /// the state (States.TaskFailed, the stopped task as Cause): exit 3 means the run ended with warnings the task already
    /// reported, so it ends as done; a task Fargate Spot took back, or one that never started (TaskFailedToStart), runs the
    /// same saved plan again, once, on on-demand Fargate (it resumes from the hash file), as does a Spot task RunTask could
    /// not place once its retries are spent; anything else goes to notify_failure.
    /// </summary>
    private IChainable EcsTask(EcsRoute ecs, DeploymentConfig c, IChainable notifyRunFailure)
    {
        var done = new Succeed(this, EndStates.DoneOnEcs);
        var doneWithWarnings = new Succeed(this, EndStates.DoneWithWarnings, new SucceedProps { Comment = "The task exited 3: some bottles failed; it sent \"completed with warnings\"" });
        var timedOut = new Pass(this, "EcsTaskTimedOut", new PassProps
        {
            Parameters = new Dictionary<string, object>
            {
                ["Error"] = "States.Timeout",
                ["Cause"] = $"The ECS task ran longer than ecs_task_timeout_minutes ({c.EcsTaskTimeoutMinutes} min) and was stopped; the next run resumes from the hash file",
            },
            ResultPath = "$.error",
        }).Next(notifyRunFailure);
        // On demand: it cannot be interrupted by Spot, and it is the re-run, so its failures end the run.
        var onDemand = RunTask("TransferOnEcsOnDemand", ecs, c, new EcsFargateLaunchTarget(new EcsFargateLaunchTargetOptions { PlatformVersion = FargatePlatformVersion.LATEST }));
        EndOfTask(onDemand, "OnDemand", done, doneWithWarnings, timedOut, notifyRunFailure, rerun: null);
        var task = RunTask("TransferOnEcs", ecs, c, c.EcsEnableFargateSpot
            ? new FargateCapacityProviderTarget([("FARGATE_SPOT", 1, 0)])
            : new EcsFargateLaunchTarget(new EcsFargateLaunchTargetOptions { PlatformVersion = FargatePlatformVersion.LATEST }));
        // Prod runs on-demand already: there only a task that never started is run again (a Spot interruption cannot happen).
        EndOfTask(task, "", done, doneWithWarnings, timedOut, notifyRunFailure, rerun: onDemand, onCapacityRefused: c.EcsEnableFargateSpot ? onDemand : null);
        return task;
    }

    private EcsRunTask RunTask(string id, EcsRoute ecs, DeploymentConfig c, IEcsLaunchTarget launchTarget)
    {
        var task = new EcsRunTask(this, id, new EcsRunTaskProps
        {
            IntegrationPattern = IntegrationPattern.RUN_JOB,
            Cluster = ecs.Cluster,
            TaskDefinition = ecs.TaskDefinition,
            LaunchTarget = launchTarget,
            AssignPublicIp = false,
            Subnets = ecs.Subnets,
            SecurityGroups = [ecs.SecurityGroup],
            ContainerOverrides = [new ContainerOverride { ContainerDefinition = ecs.Container, Command = JsonPath.ListAt("$.plan.ecs_command") }],
            TaskTimeout = SfnTimeout.Duration(Duration.Minutes(c.EcsTaskTimeoutMinutes)),
            ResultPath = JsonPath.DISCARD,
        });
        task.AddRetry(new RetryProps
        {
            Errors = EcsRetryErrors,
            Interval = Duration.Seconds(30),
            BackoffRate = 2,
            MaxAttempts = 4,
            MaxDelay = Duration.Minutes(5),
            JitterStrategy = JitterType.FULL,
        });
        return task;
    }

    /// <summary>Where a RunTask state goes when it ends: its Catches, and the reading of the stopped task (states named with <paramref name="suffix"/>).</summary>
    /// <param name="rerun">Where a task Fargate Spot interrupted, or one that never started, goes (the on-demand re-run); null for the re-run itself.</param>
    /// <param name="onCapacityRefused">Where a Spot task RunTask still refuses after its retries goes; null where the task is on demand already.</param>
    private void EndOfTask(EcsRunTask task, string suffix, IChainable done, IChainable doneWithWarnings, IChainable timedOut, IChainable notifyRunFailure, IChainable? rerun,
        IChainable? onCapacityRefused = null)
    {
        var parse = new Pass(this, "ReadStoppedTask" + suffix, new PassProps
        {
            // A path into the state, written the way Amazon States Language takes it (jsii cannot carry the intrinsic's token here).
            Parameters = new Dictionary<string, object> { ["task.$"] = "States.StringToJson($.error.Cause)" },
            ResultPath = "$.stopped",
        });
        var exitCode = new Choice(this, "EcsExitCode" + suffix)
            .When(Condition.And(Condition.IsPresent("$.stopped.task.Containers[0].ExitCode"), Condition.NumberEquals("$.stopped.task.Containers[0].ExitCode", EndStates.WarningsExitCode)), doneWithWarnings);
        if (rerun is not null)
        {
            // Routed on the StopCode, not the exit code (SIGTERM's 143, or 130): EndStates.ForEcsExitCode stays the one mapping of exit codes.
            // A task that never started is run again the same way: nothing ran, and the re-run does not loop (it has no such branch).
            exitCode.When(Condition.And(Condition.IsPresent("$.stopped.task.StopCode"), Condition.Or(
                Condition.StringEquals("$.stopped.task.StopCode", EcsStopCodes.SpotInterruption),
                Condition.StringEquals("$.stopped.task.StopCode", EcsStopCodes.TaskFailedToStart))), rerun);
        }
        exitCode.Otherwise(notifyRunFailure);
        // Only a Cause that is a JSON object (the stopped task) can be read; any other goes straight to the failure path.
        var readable = new Choice(this, "StoppedTaskReadable" + suffix)
            .When(Condition.And(Condition.IsPresent("$.error.Cause"), Condition.StringMatches("$.error.Cause", "{*}")), parse.Next(exitCode))
            .Otherwise(notifyRunFailure);
        // States.TaskFailed does not match States.Timeout: a task stopped for running too long is reported as such.
        task.AddCatch(timedOut, new CatchProps { Errors = ["States.Timeout"], ResultPath = "$.error" });
        if (onCapacityRefused is not null)
        {
            // RunTask still refused once its retries are spent (no Fargate Spot capacity left in the region's zones, which
            // can last hours): the same plan on on-demand Fargate, where capacity is not taken back. Before States.TaskFailed,
            // which matches every error but a timeout.
            task.AddCatch(onCapacityRefused, new CatchProps { Errors = ["AmazonECS.Unknown"], ResultPath = "$.error" });
        }
        task.AddCatch(readable, new CatchProps { Errors = ["States.TaskFailed"], ResultPath = "$.error" });
        task.AddCatch(notifyRunFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.error" });
        task.Next(done);
    }

    /// <summary>Backoff with full jitter, so throttled invocations do not all come back at once.</summary>
    private static void RetryLambdaErrors(LambdaInvoke task) => task.AddRetry(new RetryProps
    {
        Errors = LambdaRetryErrors,
        Interval = Duration.Seconds(2),
        BackoffRate = 2,
        MaxAttempts = 8,
        MaxDelay = Duration.Seconds(60),
        JitterStrategy = JitterType.FULL,
    });

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
        var notify = new LambdaInvoke(this, id, new LambdaInvokeProps
        {
            LambdaFunction = orchestrator,
            PayloadResponseOnly = true,
            Payload = TaskInput.FromObject(payload),
            RetryOnServiceExceptions = false,
            ResultPath = JsonPath.DISCARD,
        });
        RetryLambdaErrors(notify);
        // The one report of a failed run: whatever fails it (the Slack secret's read throttled, S3 answering 503 for the
        // plan) is tried again, since its only effect is one message. States.ALL must be the last retrier, and alone.
        notify.AddRetry(new RetryProps
        {
            Errors = [Errors.ALL],
            Interval = Duration.Seconds(5),
            BackoffRate = 2,
            MaxAttempts = 3,
            MaxDelay = Duration.Seconds(60),
            JitterStrategy = JitterType.FULL,
        });
        return notify;
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
