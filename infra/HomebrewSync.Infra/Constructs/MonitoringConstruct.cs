using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class MonitoringProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required IReadOnlyList<Amazon.CDK.AWS.Lambda.Function> Functions { get; init; }
    public required Amazon.CDK.AWS.Lambda.Function Orchestrator { get; init; }
    public required Amazon.CDK.AWS.Lambda.Function Worker { get; init; }
    public required ICluster Cluster { get; init; }
    public required StateMachine StateMachine { get; init; }
}

/// <summary>Alerts topic, alarms (Lambda error rate, ECS CPU, failed executions, no success for longer than the schedule) and the dashboard.</summary>
public sealed class MonitoringConstruct : Construct
{
    public MonitoringConstruct(Construct scope, string id, MonitoringProps props)
        : base(scope, id)
    {
        var c = props.Config;
        Topic = new Topic(this, "Alerts", new TopicProps { TopicName = props.Names.AlertsTopic, DisplayName = "homebrew-sync alerts" });
        if (c.EnableSnsNotifications)
        {
            foreach (var address in c.NotificationEmailAddresses)
            {
                Topic.AddSubscription(new EmailSubscription(address));
            }
        }
        var action = new SnsAction(Topic);
        var alarms = new List<Alarm>();
        foreach (var function in props.Functions)
        {
            var rate = new MathExpression(new MathExpressionProps
            {
                Expression = "100 * errors / MAX([errors, invocations])",
                UsingMetrics = new Dictionary<string, IMetric>
                {
                    ["errors"] = function.MetricErrors(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }),
                    ["invocations"] = function.MetricInvocations(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }),
                },
                Label = "Error rate (%)",
                Period = Duration.Minutes(5),
            });
            alarms.Add(rate.CreateAlarm(function, "ErrorRateAlarm", new CreateAlarmOptions
            {
                AlarmDescription = $"{function.FunctionName}: error rate above {c.LambdaErrorRateThreshold}%",
                Threshold = c.LambdaErrorRateThreshold,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }));
        }
        alarms.Add(new Metric(new MetricProps
        {
            Namespace = "AWS/ECS",
            MetricName = "CPUUtilization",
            DimensionsMap = new Dictionary<string, string> { ["ClusterName"] = props.Cluster.ClusterName },
            Statistic = "Average",
            Period = Duration.Minutes(5),
        }).CreateAlarm(this, "EcsCpuAlarm", new CreateAlarmOptions
        {
            AlarmDescription = $"ECS CPU above {c.EcsCpuUtilizationThreshold}%",
            Threshold = c.EcsCpuUtilizationThreshold,
            EvaluationPeriods = 3,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));
        alarms.Add(props.StateMachine.MetricFailed(new MetricOptions { Statistic = "Sum", Period = Duration.Minutes(5) }).CreateAlarm(this, "ExecutionsFailedAlarm", new CreateAlarmOptions
        {
            AlarmDescription = "A sync execution failed",
            Threshold = 1,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        }));
        // No success for longer than the schedule (CloudWatch looks back at most 7 days): every day of the window empty.
        var window = StaleWindowDays(c.ScheduleExpression);
        alarms.Add(props.StateMachine.MetricSucceeded(new MetricOptions { Statistic = "Sum", Period = Duration.Days(1) }).CreateAlarm(this, "NoRecentSuccessAlarm", new CreateAlarmOptions
        {
            AlarmDescription = $"No successful sync in {window} day(s)",
            Threshold = 1,
            EvaluationPeriods = window,
            DatapointsToAlarm = window,
            ComparisonOperator = ComparisonOperator.LESS_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.BREACHING,
        }));
        foreach (var alarm in alarms)
        {
            alarm.AddAlarmAction(action);
        }
        Alarms = alarms;

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps { DashboardName = props.Names.Dashboard });
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Lambda Orchestrator Metrics",
                Left = [props.Orchestrator.MetricInvocations(), props.Orchestrator.MetricErrors(), props.Orchestrator.MetricDuration()],
                Width = 12,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "ECS Task Resource Utilization",
                Left =
                [
                    EcsMetric("CPUUtilization", props.Cluster.ClusterName),
                    EcsMetric("MemoryUtilization", props.Cluster.ClusterName),
                ],
                Width = 12,
            }));
        Dashboard.AddWidgets(
            new LogQueryWidget(new LogQueryWidgetProps
            {
                Title = "Recent Downloads",
                LogGroupNames = [props.Names.LogGroup(props.Names.WorkerFunction), props.Names.EcsLogGroup],
                QueryLines = ["fields @timestamp, @message", "filter @message like /Downloaded/", "sort @timestamp desc", "limit 20"],
                Width = 12,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Sync Executions",
                Left = [props.StateMachine.MetricSucceeded(), props.StateMachine.MetricFailed(), props.StateMachine.MetricStarted()],
                Width = 12,
            }));
        Dashboard.AddWidgets(new GraphWidget(new GraphWidgetProps
        {
            Title = "Bottles and Bytes (custom metrics)",
            Left = [Custom("BottlesDownloaded", c, "Count"), Custom("BottlesFailed", c, "Count"), Custom("BottlesSkipped", c, "Count")],
            Right = [Custom("DownloadSize", c, "Bytes")],
            Width = 24,
        }));
    }

    public Topic Topic { get; }
    public IReadOnlyList<Alarm> Alarms { get; }
    public Dashboard Dashboard { get; }

    private static Metric EcsMetric(string name, string cluster) => new(new MetricProps
    {
        Namespace = "AWS/ECS",
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["ClusterName"] = cluster },
        Statistic = "Average",
        Period = Duration.Minutes(5),
    });

    // EMF writes BottlesDownloaded with Environment+SyncDate; the dashboard sums over SyncDate with a search.
    private static IMetric Custom(string name, DeploymentConfig c, string unit) => new MathExpression(new MathExpressionProps
    {
        Expression = $"SUM(SEARCH('{{HomebrewSync,Environment,SyncDate}} MetricName=\"{name}\" Environment=\"{c.Environment}\"', 'Sum', 86400))",
        Label = $"{name} ({unit})",
        Period = Duration.Days(1),
    });

    private static int StaleWindowDays(string schedule) =>
        schedule.StartsWith("cron(", StringComparison.Ordinal) && schedule.Split(' ').Length > 4 && schedule.Split(' ')[4].Trim(')') is not ("*" or "?") ? 7
        : schedule.Contains("day", StringComparison.Ordinal) ? 2 : 1;
}
