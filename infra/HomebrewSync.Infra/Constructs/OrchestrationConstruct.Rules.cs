using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.Lambda;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;

namespace HomebrewSync.Infra.Constructs;

/// <summary>The EventBridge rules around the state machine: what starts it, what it reports, and the weekly prune.</summary>
public sealed partial class OrchestrationConstruct
{
    /// <summary>The schedule, and the freshness checks only a scheduled mirror has (daily, and after each run that succeeded).</summary>
    private (Rule Schedule, Rule Freshness, Rule FreshnessAfterRun) ScheduleRules(OrchestrationProps props)
    {
        var schedule = new Rule(this, "Schedule", new RuleProps
        {
            RuleName = props.Names.ScheduleRule,
            Description = "Weekly (or configured) homebrew-sync run",
            Schedule = Schedule.Expression(props.Config.ScheduleExpression),
            Targets = [new SfnStateMachine(StateMachine)],
        });
        // Only a mirror that is synced on a schedule is expected to stay fresh: without one there is no
        // freshness check and no stale-mirror alarm (MonitoringConstruct).
        var checkFreshness = RuleTargetInput.FromObject(new Dictionary<string, object> { ["action"] = OrchestratorActions.CheckFreshness });
        var freshness = new Rule(this, "Freshness", new RuleProps
        {
            RuleName = $"{props.Names.Prefix}-freshness",
            Description = "Daily: the orchestrator reports how old the mirror is (MirrorAgeHours)",
            Schedule = Schedule.Rate(Duration.Days(1)),
            Targets = [new LambdaFunction(props.Orchestrator, new LambdaFunctionProps { Event = checkFreshness })],
        });
        // Also right after a run that finished, so the stale-mirror alarm clears without waiting for the daily check.
        var afterRun = new Rule(this, "FreshnessAfterRun", new RuleProps
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
        return (schedule, freshness, afterRun);
    }

    /// <summary>Manual and selective syncs. Events are addressed to a stack by detail.stack; prod also takes the reference's events, which name none.</summary>
    private Rule CreateTriggerRule(OrchestrationProps props)
    {
        var stackName = Stack.Of(this).StackName;
        return new Rule(this, "Trigger", new RuleProps
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
    }

    private Rule CreatePruneRule(OrchestrationProps props) => new(this, "Prune", new RuleProps
    {
        RuleName = $"{props.Names.Prefix}-prune",
        Description = $"Weekly: the orchestrator removes bottles no target tag resolves to any more, older than {props.Config.PruneKeepDays} days (prune_enabled)",
        Schedule = Schedule.Rate(Duration.Days(7)),
        Targets = [new LambdaFunction(props.Orchestrator, new LambdaFunctionProps
        {
            Event = RuleTargetInput.FromObject(new Dictionary<string, object> { ["action"] = OrchestratorActions.Prune, ["keep_days"] = props.Config.PruneKeepDays }),
        })],
    });

    /// <summary>A rule that has the orchestrator send "failed" when an execution of this state machine ends with <paramref name="status"/>.</summary>
    private Rule ExecutionEndRule(string id, string name, string status, IFunction orchestrator, string error, string cause) => new(this, id, new RuleProps
    {
        RuleName = name,
        Description = $"An execution that ends {status} passes no Catch: the orchestrator sends \"failed\" for it",
        EventPattern = new EventPattern
        {
            Source = ["aws.states"],
            DetailType = ["Step Functions Execution Status Change"],
            Detail = new Dictionary<string, object>
            {
                ["status"] = new[] { status },
                ["stateMachineArn"] = new[] { StateMachine.StateMachineArn },
            },
        },
        Targets = [new LambdaFunction(orchestrator, new LambdaFunctionProps
        {
            Event = RuleTargetInput.FromObject(new Dictionary<string, object>
            {
                ["action"] = FailureNotice.ActionName,
                ["error"] = new Dictionary<string, object> { ["Error"] = error, ["Cause"] = $"{cause}: {EventField.FromPath("$.detail.executionArn")}" },
            }),
        })],
    });

}
