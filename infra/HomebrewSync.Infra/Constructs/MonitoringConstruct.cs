using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using HomebrewSync.Contracts.Deployment;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace HomebrewSync.Infra.Constructs;

public sealed class MonitoringProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required LambdaFunction Orchestrator { get; init; }
    public required LambdaFunction Worker { get; init; }
    public LambdaFunction? BrewEndpoint { get; init; }
    /// <summary>The cluster and task family of the ECS route, when the stage has one.</summary>
    public (string Cluster, string TaskFamily)? Ecs { get; init; }
    public required StateMachine StateMachine { get; init; }
}

/// <summary>
/// The alerts topic, the alarms and the dashboard. Every metric queried is one AWS publishes for the resource, or
/// one the runtime writes (namespace HomebrewSync, the dimensions of the EMF documents of <c>EmfMetrics</c>), for this stack's
/// environment name; the log query matches the runtime's per-bottle "Downloaded" lines.
/// </summary>
public sealed class MonitoringConstruct : Construct
{
    public const string Namespace = "HomebrewSync";

    public MonitoringConstruct(Construct scope, string id, MonitoringProps props)
        : base(scope, id)
    {
        Topic = AlertsTopic(props);
        // The task's CPU and memory exist as metrics only with Container Insights (enable_detailed_monitoring).
        var insights = props.Config.EnableDetailedMonitoring ? props.Ecs : null;
        var alarms = FunctionAlarms(props).Concat(TaskAlarms(props.Config, insights)).Concat(ExecutionAlarms(props)).ToList();
        if (props.Config.ScheduleEnabled)
        {
            alarms.Add(StaleAlarm(props.Config, props.Names.EnvironmentName));
        }
        var action = new SnsAction(Topic);
        foreach (var alarm in alarms)
        {
            alarm.AddAlarmAction(action);
        }
        Alarms = alarms;
        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps { DashboardName = props.Names.Dashboard });
        AddWidgets(props, insights);
    }

    private Topic AlertsTopic(MonitoringProps props)
    {
        var topic = new Topic(this, "Alerts", new TopicProps { TopicName = props.Names.AlertsTopic, DisplayName = "homebrew-sync alerts", EnforceSSL = true });
        if (props.Config.EnableSnsNotifications)
        {
            foreach (var address in props.Config.NotificationEmailAddresses)
            {
                topic.AddSubscription(new EmailSubscription(address));
            }
        }
        return topic;
    }

    /// <summary>Each function's error rate, and the brew endpoint's 5xx rate.</summary>
    private List<Alarm> FunctionAlarms(MonitoringProps props)
    {
        var c = props.Config;
        var alarms = new List<Alarm>();
        var functions = new[] { props.Orchestrator, props.Worker }.Concat(props.BrewEndpoint is null ? [] : [props.BrewEndpoint]);
        foreach (var function in functions)
        {
            alarms.Add(Rate(function.MetricErrors(Sum5), function.MetricInvocations(Sum5), "Error rate (%)").CreateAlarm(function, "ErrorRateAlarm", new CreateAlarmOptions
            {
                AlarmDescription = $"{function.FunctionName}: error rate above {c.LambdaErrorRateThreshold}%",
                Threshold = c.LambdaErrorRateThreshold,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }));
        }
        if (props.BrewEndpoint is { } endpoint)
        {
            var requests = LambdaMetric("UrlRequestCount", endpoint.FunctionName);
            alarms.Add(Rate(LambdaMetric("Url5xxCount", endpoint.FunctionName), requests, "5xx rate (%)").CreateAlarm(this, "BrewEndpoint5xxAlarm", new CreateAlarmOptions
            {
                AlarmDescription = "The brew endpoint answers more than 5% of requests with a 5xx",
                Threshold = 5,
                EvaluationPeriods = 2,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }));
        }
        return alarms;
    }

    private IEnumerable<Alarm> TaskAlarms(DeploymentConfig c, (string Cluster, string TaskFamily)? insights)
    {
        if (insights is { } ecs)
        {
            yield return EcsCpu(ecs.Cluster, ecs.TaskFamily).CreateAlarm(this, "EcsCpuAlarm", new CreateAlarmOptions
            {
                AlarmDescription = $"The sync task's CPU above {c.EcsCpuUtilizationThreshold}% for 15 minutes",
                Threshold = c.EcsCpuUtilizationThreshold,
                EvaluationPeriods = 3,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
        }
    }

    private IEnumerable<Alarm> ExecutionAlarms(MonitoringProps props)
    {
        foreach (var (name, metric, what) in new[]
        {
            ("ExecutionsFailedAlarm", props.StateMachine.MetricFailed(Sum5), "A sync execution failed"),
            ("ExecutionsTimedOutAlarm", props.StateMachine.MetricTimedOut(Sum5), $"A sync execution timed out ({DeploymentConfig.ExecutionTimeout.TotalHours:0} hours)"),
            ("ExecutionsAbortedAlarm", props.StateMachine.MetricAborted(Sum5), "A sync execution was aborted"),
        })
        {
            yield return metric.CreateAlarm(this, name, new CreateAlarmOptions
            {
                AlarmDescription = what,
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
        }
    }

    private Alarm StaleAlarm(DeploymentConfig c, string env) =>
            // The freshness checks (daily and after each run that succeeded) write MirrorAgeHours; the threshold is
            // longer than the schedule's longest gap. They write nothing before the first run finishes, so missing data
            // breaches: a mirror that never synced is stale. Two days of it are needed, so a day whose check has not
            // run yet never counts alone.
            Custom("MirrorAgeHours", env, "Maximum", Duration.Days(1)).CreateAlarm(this, "MirrorStaleAlarm", new CreateAlarmOptions
            {
                AlarmDescription = $"No sync has finished for more than {c.MaxMirrorAgeHours} hours, or none ever has",
                Threshold = c.MaxMirrorAgeHours,
                EvaluationPeriods = 2,
                DatapointsToAlarm = 2,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.BREACHING,
            });

    private void AddWidgets(MonitoringProps props, (string Cluster, string TaskFamily)? insights)
    {
        var c = props.Config;
        var env = props.Names.EnvironmentName;
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Lambda Orchestrator Metrics",
                Left = [props.Orchestrator.MetricInvocations(), props.Orchestrator.MetricErrors(), props.Orchestrator.MetricDuration()],
                Width = 12,
            }),
            insights is { } ecsWidget
                ? new GraphWidget(new GraphWidgetProps { Title = "ECS Task Resource Utilization", Left = [EcsCpu(ecsWidget.Cluster, ecsWidget.TaskFamily), EcsMemory(ecsWidget.Cluster, ecsWidget.TaskFamily)], Width = 12 })
                : new GraphWidget(new GraphWidgetProps { Title = "Lambda Worker Metrics", Left = [props.Worker.MetricInvocations(), props.Worker.MetricErrors(), props.Worker.MetricDuration()], Width = 12 }));
        Dashboard.AddWidgets(
            new LogQueryWidget(new LogQueryWidgetProps
            {
                Title = "Recent Downloads",
                LogGroupNames = props.Ecs is null
                    ? [props.Names.LogGroup(props.Names.WorkerFunction)]
                    : [props.Names.LogGroup(props.Names.WorkerFunction), props.Names.EcsLogGroup],
                QueryLines = ["fields @timestamp, @message", $"filter @message like /{DownloadedLine}/", "sort @timestamp desc", "limit 20"],
                Width = 12,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Sync Executions",
                Left = [props.StateMachine.MetricSucceeded(), props.StateMachine.MetricFailed(), props.StateMachine.MetricTimedOut(), props.StateMachine.MetricStarted()],
                Width = 12,
            }));
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Bottles and Bytes (custom metrics)",
                Left = [BySyncDate("BottlesDownloaded", env), BySyncDate("BottlesFailed", env), BySyncDate("BottlesSkipped", env)],
                Right = [Custom("DownloadSize", env, "Sum", Duration.Days(1))],
                Width = 12,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = c.ScheduleEnabled ? "Sync Duration and Mirror Age" : "Sync Duration",
                Left = [new MathExpression(new MathExpressionProps
                {
                    Expression = $"SEARCH('{{{Namespace},Environment,SyncType}} MetricName=\"SyncDuration\" Environment=\"{env}\"', 'Maximum', 86400)",
                    Label = "SyncDuration (s)",
                    Period = Duration.Days(1),
                })],
                // Only a scheduled mirror has its age reported.
                Right = c.ScheduleEnabled ? [Custom("MirrorAgeHours", env, "Maximum", Duration.Days(1))] : [],
                Width = 12,
            }));
        if (props.BrewEndpoint is { } e)
        {
            Dashboard.AddWidgets(new GraphWidget(new GraphWidgetProps
            {
                Title = "Brew Endpoint",
                Left = [LambdaMetric("UrlRequestCount", e.FunctionName), LambdaMetric("Url4xxCount", e.FunctionName), LambdaMetric("Url5xxCount", e.FunctionName)],
                Width = 24,
            }));
        }
    }

    /// <summary>What the dashboard's log query looks for: the runtime's per-bottle line (SyncLog.DownloadedPrefix).</summary>
    public const string DownloadedLine = "Downloaded ";

    public Topic Topic { get; }
    public IReadOnlyList<Alarm> Alarms { get; }
    public Dashboard Dashboard { get; }

    private static readonly MetricOptions Sum5 = new() { Statistic = "Sum", Period = Duration.Minutes(5) };

    private static MathExpression Rate(IMetric part, IMetric all, string label) => new(new MathExpressionProps
    {
        Expression = "100 * part / MAX([part, all])",
        UsingMetrics = new Dictionary<string, IMetric> { ["part"] = part, ["all"] = all },
        Label = label,
        Period = Duration.Minutes(5),
    });

    private static Metric LambdaMetric(string name, string function) => new(new MetricProps
    {
        Namespace = "AWS/Lambda",
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["FunctionName"] = function },
        Statistic = "Sum",
        Period = Duration.Minutes(5),
    });

    /// <summary>Container Insights' task CPU as a percentage of what the task reserves (standalone Fargate tasks publish no AWS/ECS CPU).</summary>
    private static MathExpression EcsCpu(string cluster, string family) => new(new MathExpressionProps
    {
        Expression = "100 * cpuUsed / cpuReserved",
        UsingMetrics = new Dictionary<string, IMetric> { ["cpuUsed"] = Insights("CpuUtilized", cluster, family), ["cpuReserved"] = Insights("CpuReserved", cluster, family) },
        Label = "CPU (%)",
        Period = Duration.Minutes(5),
    });

    private static MathExpression EcsMemory(string cluster, string family) => new(new MathExpressionProps
    {
        Expression = "100 * memUsed / memReserved",
        UsingMetrics = new Dictionary<string, IMetric> { ["memUsed"] = Insights("MemoryUtilized", cluster, family), ["memReserved"] = Insights("MemoryReserved", cluster, family) },
        Label = "Memory (%)",
        Period = Duration.Minutes(5),
    });

    private static Metric Insights(string name, string cluster, string family) => new(new MetricProps
    {
        Namespace = "ECS/ContainerInsights",
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["ClusterName"] = cluster, ["TaskDefinitionFamily"] = family },
        Statistic = "Average",
        Period = Duration.Minutes(5),
    });

    /// <summary>A runtime metric whose only dimension is Environment.</summary>
    private static Metric Custom(string name, string environment, string statistic, Duration period) => new(new MetricProps
    {
        Namespace = Namespace,
        MetricName = name,
        DimensionsMap = new Dictionary<string, string> { ["Environment"] = environment },
        Statistic = statistic,
        Period = period,
    });

    // BottlesDownloaded and friends carry Environment and SyncDate; the dashboard sums over the dates with a search.
    private static MathExpression BySyncDate(string name, string environment) => new(new MathExpressionProps
    {
        Expression = $"SUM(SEARCH('{{{Namespace},Environment,SyncDate}} MetricName=\"{name}\" Environment=\"{environment}\"', 'Sum', 86400))",
        Label = name,
        Period = Duration.Days(1),
    });
}
