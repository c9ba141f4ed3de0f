using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using ContainerDefinition = Amazon.CDK.AWS.ECS.ContainerDefinition;
using ContainerOverride = Amazon.CDK.AWS.StepFunctions.Tasks.ContainerOverride;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;
using Constructs;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Infra.Policies;

namespace HomebrewSync.Infra.Constructs;

public sealed class OrchestrationProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required IFunction Orchestrator { get; init; }
    public required IFunction Worker { get; init; }
    public required ICluster Cluster { get; init; }
    public required FargateTaskDefinition TaskDefinition { get; init; }
    public required ContainerDefinition Container { get; init; }
    public required SubnetSelection Subnets { get; init; }
    public required ISecurityGroup TaskSecurityGroup { get; init; }
}

/// <summary>
/// DESIGN.md's state machine: Plan (orchestrator) -> Route -> worker loop until done, or ECS RunTask.sync;
/// any failure caught -> the orchestrator's notify_failure -> Fail. The weekly schedule and the
/// homebrew.sync custom-event rule start it.
/// </summary>
public sealed class OrchestrationConstruct : Construct
{
    public OrchestrationConstruct(Construct scope, string id, OrchestrationProps props)
        : base(scope, id)
    {
        var failed = new Fail(this, "SyncFailed", new FailProps { Error = "SyncFailed", Cause = "See the failed message in Slack and the logs" });
        var rejected = new Fail(this, "InputRejected", new FailProps { Error = "TriggerFormatException", Cause = "The trigger payload is not one the orchestrator accepts" });

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
        var done = new Succeed(this, "Done");
        worker.Next(new Choice(this, "WorkerDone")
            .When(Condition.BooleanEquals("$.worker.done", true), done)
            .Otherwise(worker));

        var ecs = new EcsRunTask(this, "TransferOnEcs", new EcsRunTaskProps
        {
            IntegrationPattern = IntegrationPattern.RUN_JOB,
            Cluster = props.Cluster,
            TaskDefinition = props.TaskDefinition,
            LaunchTarget = new EcsFargateLaunchTarget(new EcsFargateLaunchTargetOptions { PlatformVersion = FargatePlatformVersion.LATEST }),
            AssignPublicIp = false,
            Subnets = props.Subnets,
            SecurityGroups = [props.TaskSecurityGroup],
            ContainerOverrides = [new ContainerOverride { ContainerDefinition = props.Container, Command = JsonPath.ListAt("$.plan.ecs_command") }],
            ResultSelector = new Dictionary<string, object> { ["exit_code"] = JsonPath.NumberAt("$.Containers[0].ExitCode") },
            ResultPath = "$.ecs",
        });
        ecs.AddCatch(notifyRunFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.error" });
        // 0: complete; 3: completed with warnings (already reported by the task); anything else failed.
        ecs.Next(new Choice(this, "EcsExitCode")
            .When(Condition.Or(Condition.NumberEquals("$.ecs.exit_code", 0), Condition.NumberEquals("$.ecs.exit_code", 3)), new Succeed(this, "DoneOnEcs"))
            .Otherwise(new Pass(this, "EcsTaskFailed", new PassProps
            {
                Parameters = new Dictionary<string, object> { ["Error"] = "Ecs.TaskFailed", ["Cause"] = JsonPath.Format("The ECS task exited with code {}", JsonPath.StringAt("$.ecs.exit_code")) },
                ResultPath = "$.error",
            }).Next(notifyRunFailure)));

        var route = new Choice(this, "Route")
            .When(Condition.StringEquals("$.plan.route", Routes.Ecs), ecs)
            .Otherwise(worker);

        var logs = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = props.Names.StateMachineLogGroup,
            Retention = LambdaConstruct.Retention(props.Config.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        StateMachine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            StateMachineName = props.Names.StateMachine,
            DefinitionBody = DefinitionBody.FromChainable(plan.Next(route)),
            Timeout = Duration.Hours(12),
            TracingEnabled = props.Config.EnableXrayTracing,
            Logs = new LogOptions { Destination = logs, Level = LogLevel.ERROR, IncludeExecutionData = false },
        });

        PolicySuppressions.Suppress(StateMachine.Role, PolicyRule.IamWildcardResource,
            "Step Functions' ecs:runTask.sync integration (CDK) needs ecs:StopTask and ecs:DescribeTasks on tasks whose ARNs exist only at run time");

        ScheduleRule = new Rule(this, "Schedule", new RuleProps
        {
            RuleName = props.Names.ScheduleRule,
            Description = "Weekly (or configured) homebrew-sync run",
            Schedule = Schedule.Expression(props.Config.ScheduleExpression),
            Enabled = props.Config.ScheduleEnabled,
            Targets = [new SfnStateMachine(StateMachine)],
        });
        TriggerRule = new Rule(this, "Trigger", new RuleProps
        {
            RuleName = props.Names.TriggerRule,
            Description = "Manual and selective syncs: aws events put-events --entries Source=homebrew.sync",
            EventPattern = new EventPattern { Source = ["homebrew.sync"], DetailType = ["Manual Sync Trigger", "Selective Sync"] },
            Targets = [new SfnStateMachine(StateMachine)],
        });
    }

    public StateMachine StateMachine { get; }
    public Rule ScheduleRule { get; }
    public Rule TriggerRule { get; }

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
}
