using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;

namespace HomebrewSync.Infra.Tests;

public sealed class ProdTemplateTests(ProdStack prod) : IClassFixture<ProdStack>
{
    private static readonly RuntimeInputs Inputs = new(null, null);

    [Fact]
    public void Bucket_IsVersionedEncryptedPrivateRetainedWithConfiguredLifecycle()
    {
        prod.Template.HasResource("AWS::S3::Bucket", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Retain",
            ["Properties"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["BucketName"] = "homebrew-bottles-prod-123456789012",
                ["VersioningConfiguration"] = new Dictionary<string, object> { ["Status"] = "Enabled" },
                ["BucketEncryption"] = new Dictionary<string, object>
                {
                    ["ServerSideEncryptionConfiguration"] = new object[] { new Dictionary<string, object> { ["ServerSideEncryptionByDefault"] = new Dictionary<string, object> { ["SSEAlgorithm"] = "AES256" } } },
                },
                ["PublicAccessBlockConfiguration"] = new Dictionary<string, object> { ["BlockPublicAcls"] = true, ["BlockPublicPolicy"] = true, ["IgnorePublicAcls"] = true, ["RestrictPublicBuckets"] = true },
            }),
        });
        var rules = prod.Single("AWS::S3::Bucket")["Properties"]!["LifecycleConfiguration"]!["Rules"]!.AsArray();
        var archive = rules.Single(r => r!["Id"]!.GetValue<string>() == "archive-and-noncurrent")!;
        Assert.Null(archive["ExpirationInDays"]);
        Assert.Equal(90, archive["NoncurrentVersionExpiration"]!["NoncurrentDays"]!.GetValue<int>());
        Assert.Equal("GLACIER_IR", archive["Transitions"]![0]!["StorageClass"]!.GetValue<string>());
        Assert.Equal(90, archive["Transitions"]![0]!["TransitionInDays"]!.GetValue<int>());
        var plans = rules.Single(r => r!["Id"]!.GetValue<string>() == "plans")!;
        Assert.Equal(("plans/", 30), (plans["Prefix"]!.GetValue<string>(), plans["ExpirationInDays"]!.GetValue<int>()));
    }

    [Fact]
    public void BucketPolicy_DeniesRequestsWithoutTls()
    {
        var statements = prod.Single("AWS::S3::BucketPolicy")["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();
        Assert.Contains(statements, s => s!["Effect"]!.GetValue<string>() == "Deny"
            && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.GetValue<string>() == "false");
    }

    [Fact]
    public void Network_TwoZonesPrivateSubnetsNatAndS3Endpoint()
    {
        Assert.Equal(4, prod.Resources("AWS::EC2::Subnet").Count);
        var zones = prod.Resources("AWS::EC2::Subnet").Select(s => s["Properties"]!["AvailabilityZone"]!.GetValue<string>()).Distinct().Order();
        Assert.Equal(["us-east-1a", "us-east-1b"], zones);
        Assert.Single(prod.Resources("AWS::EC2::NatGateway"));
        prod.Template.HasResourceProperties("AWS::EC2::VPCEndpoint", new Dictionary<string, object> { ["VpcEndpointType"] = "Gateway" });
    }

    [Fact]
    public void TaskDefinition_SizedFromConfig_OnEphemeralStorage_ForTheImagesPlatform_WithoutSecretsInItsEnvironment()
    {
        Assert.Empty(prod.Resources("AWS::EFS::FileSystem"));
        var task = prod.Single("AWS::ECS::TaskDefinition")["Properties"]!;
        Assert.Equal(("4096", "16384", 200), (task["Cpu"]!.GetValue<string>(), task["Memory"]!.GetValue<string>(), task["EphemeralStorage"]!["SizeInGiB"]!.GetValue<int>()));
        // The image asset is built for linux/amd64 whatever the machine that deploys: the task's architecture.
        Assert.Equal("X86_64", task["RuntimePlatform"]!["CpuArchitecture"]!.GetValue<string>());
        Assert.Null(task["Volumes"]);
        var container = task["ContainerDefinitions"]![0]!;
        var env = container["Environment"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["Value"] is JsonValue v ? v.GetValue<string>() : e["Value"]!.ToJsonString());
        Assert.Equal(RuntimeEnvironment.EcsTask(prod.Config, prod.Names, Inputs), env.Where(kv => kv.Key != EnvVars.MirrorUrl));
        Assert.Contains("FunctionUrl", env[EnvVars.MirrorUrl], StringComparison.Ordinal);
        Assert.Equal("5", env[EnvVars.MaxConcurrentDownloads]);
        Assert.Equal("/tmp/bottles", env[EnvVars.TempDir]);
        // The webhook is read from Secrets Manager by name at run time, never injected.
        Assert.Null(container["Secrets"]);
        Assert.Equal(prod.Names.SlackSecret, env[EnvVars.SlackWebhookSecretName]);
        Assert.Equal("awslogs", container["LogConfiguration"]!["LogDriver"]!.GetValue<string>());
        // Two minutes from SIGTERM to SIGKILL (Fargate's most): a Spot interruption's notice, for the hash file and the lease.
        Assert.Equal(120, container["StopTimeout"]!.GetValue<int>());
        var assets = File.ReadAllText(Path.Combine(prod.Synthesis.OutDir, prod.Names.StackName + ".assets.json"));
        Assert.Contains("\"platform\": \"linux/amd64\"", assets, StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_HasContainerInsightsAndBothFargateCapacityProviders()
    {
        var cluster = prod.Single("AWS::ECS::Cluster")["Properties"]!;
        Assert.Contains(cluster["ClusterSettings"]!.AsArray(), s => s!["Name"]!.GetValue<string>() == "containerInsights" && s["Value"]!.GetValue<string>() == "enabled");
        var providers = prod.Single("AWS::ECS::ClusterCapacityProviderAssociations")["Properties"]!["CapacityProviders"]!.AsArray().Select(p => p!.GetValue<string>());
        Assert.Equal(["FARGATE", "FARGATE_SPOT"], providers);
    }

    [Theory]
    [InlineData("homebrew-sync-orchestrator", HandlerNames.Orchestrator, 1024, 300, 2048)]
    [InlineData("homebrew-sync-worker", HandlerNames.Worker, 3008, 900, 10240)]
    [InlineData("homebrew-sync-brew-endpoint", HandlerNames.BrewEndpoint, 512, 30, 2048)]
    public void Lambda_OnDotnet10WithConfiguredSizesTracingAndSharedEnvironment(string name, string handler, int memory, int timeout, int ephemeralMb)
    {
        var function = prod.Resources("AWS::Lambda::Function").Single(f => f["Properties"]!["FunctionName"]!.GetValue<string>() == name)["Properties"]!;

        Assert.Equal("dotnet10", function["Runtime"]!.GetValue<string>());
        Assert.Equal(handler, function["Handler"]!.GetValue<string>());
        Assert.Equal(memory, function["MemorySize"]!.GetValue<int>());
        Assert.Equal(timeout, function["Timeout"]!.GetValue<int>());
        // The worker stages bottles in /tmp: lambda_sync_ephemeral_storage_mb, which its environment passes on as its staging limit.
        Assert.Equal(ephemeralMb, function["EphemeralStorage"]!["Size"]!.GetValue<int>());
        if (handler == HandlerNames.Worker)
        {
            Assert.Equal(prod.Config.LambdaSyncEphemeralStorageMb.ToString(System.Globalization.CultureInfo.InvariantCulture), function["Environment"]!["Variables"]![EnvVars.WorkerStagingLimitMb]!.GetValue<string>());
        }
        Assert.Equal("Active", function["TracingConfig"]!["Mode"]!.GetValue<string>());
        var env = function["Environment"]!["Variables"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : kv.Value!.ToJsonString());
        var expected = handler switch
        {
            HandlerNames.Orchestrator => RuntimeEnvironment.Orchestrator(prod.Config, prod.Names, Inputs),
            HandlerNames.Worker => RuntimeEnvironment.Worker(prod.Config, prod.Names, Inputs),
            _ => RuntimeEnvironment.BrewEndpoint(prod.Config, prod.Names),
        };
        // The endpoint's URL is a deploy-time value the template computes (Fn::GetAtt), not a string.
        Assert.Equal(expected.Where(kv => kv.Key != EnvVars.MirrorUrl), env.Where(kv => kv.Key != EnvVars.MirrorUrl));
        if (handler != HandlerNames.BrewEndpoint)
        {
            Assert.Contains("FunctionUrl", function["Environment"]!["Variables"]![EnvVars.MirrorUrl]!.ToJsonString(), StringComparison.Ordinal);
        }
        // What the infra sets is what the runtime binds, without a single error.
        var reader = new SettingsReader(env.ToDictionary(kv => kv.Key, kv => kv.Key == EnvVars.MirrorUrl ? "https://abc.lambda-url.us-east-1.on.aws/" : (string?)kv.Value));
        var settings = SyncSettingsReader.Read(reader);
        NotificationSettings.Read(reader);
        Assert.Empty(reader.Errors.Concat(SyncSettingsValidator.Validate(settings)));
    }

    [Fact]
    public void LogGroups_AllHaveTheConfiguredRetention()
    {
        var groups = prod.Resources("AWS::Logs::LogGroup");
        Assert.Equal(6, groups.Count);
        Assert.All(groups, g => Assert.Equal(30, g["Properties"]!["RetentionInDays"]!.GetValue<int>()));
    }

    [Fact]
    public void StateMachine_PlansRoutesLoopsBoundedRunsEcsAndCatchesFailures()
    {
        var machine = prod.Single("AWS::StepFunctions::StateMachine")["Properties"]!;
        Assert.Equal("homebrew-sync-state-machine", machine["StateMachineName"]!.GetValue<string>());
        var states = StateMachineDefinition.States(prod);
        foreach (var state in new[] { "Plan", "Route", "TransferOnLambda", "WorkerDone", "WorkerLoopBound", "TransferOnEcs", "EcsExitCode", "NotifyRunFailure", "NotifyPlanFailure" })
        {
            Assert.True(states.ContainsKey(state), state);
        }
        // The worker loop ends after max_worker_invocations that left bottles, on the failure path (WorkerThat… in StateMachineRouteTests).
        var bound = states["WorkerDone"]!["Choices"]!.AsArray().Single(c => c!["Next"]!.GetValue<string>() == "WorkerLoopBound")!["And"]!.AsArray();
        Assert.Contains(bound, c => c!["Variable"]!.GetValue<string>() == "$.worker.invocations" && c["NumericGreaterThanEquals"]!.GetValue<int>() == 30);
        Assert.Contains(bound, c => c!["Variable"]!.GetValue<string>() == "$.worker.remaining" && c["NumericGreaterThan"]!.GetValue<int>() == 0);
        Assert.Equal("NotifyRunFailure", states["WorkerLoopBound"]!["Next"]!.GetValue<string>());
        // Where the ECS route ends for each exit code, and its retries: StateMachineRouteTests.
        Assert.True(machine["TracingConfiguration"]!["Enabled"]!.GetValue<bool>());
    }

    [Fact]
    public void Rules_ScheduleFromConfig_TheStacksOwnCustomEvent_AndTheFreshnessCheckDailyAndAfterEachRun()
    {
        prod.Template.HasResourceProperties("AWS::Events::Rule", new Dictionary<string, object> { ["ScheduleExpression"] = "cron(0 3 ? * SUN *)", ["State"] = "ENABLED" });
        var custom = prod.Resources("AWS::Events::Rule").Single(r => r["Properties"]!["EventPattern"]?["source"]?[0]?.GetValue<string>() == "homebrew.sync")["Properties"]!["EventPattern"]!;
        Assert.Equal("""["homebrew.sync"]""", custom["source"]!.ToJsonString());
        Assert.Equal("""["Manual Sync Trigger","Selective Sync"]""", custom["detail-type"]!.ToJsonString());
        // Prod also answers an event that names no stack, as before per-stack filters existed.
        Assert.Equal("""["HomebrewSync-prod",{"exists":false}]""", custom["detail"]!["stack"]!.ToJsonString());
        var freshness = prod.Resources("AWS::Events::Rule").Single(r => r["Properties"]!["ScheduleExpression"]?.GetValue<string>() == "rate(1 day)")["Properties"]!;
        Assert.Contains(OrchestratorActions.CheckFreshness, freshness["Targets"]![0]!["Input"]!.GetValue<string>(), StringComparison.Ordinal);
        // And after every execution of this state machine that succeeded, so the stale-mirror alarm clears at once.
        var afterRun = prod.Resources("AWS::Events::Rule").Single(r => r["Properties"]!["EventPattern"]?["source"]?[0]?.GetValue<string>() == "aws.states"
            && r["Properties"]!["EventPattern"]!["detail"]!["status"]![0]!.GetValue<string>() == "SUCCEEDED")["Properties"]!;
        var machine = Assert.Single(prod.ResourcesById("AWS::StepFunctions::StateMachine")).Key;
        var pattern = afterRun["EventPattern"]!;
        Assert.Equal("""["Step Functions Execution Status Change"]""", pattern["detail-type"]!.ToJsonString());
        Assert.Equal("""["SUCCEEDED"]""", pattern["detail"]!["status"]!.ToJsonString());
        Assert.Equal($$$"""[{"Ref":"{{{machine}}}"}]""", pattern["detail"]!["stateMachineArn"]!.ToJsonString());
        Assert.Equal(freshness["Targets"]![0]!["Input"]!.GetValue<string>(), afterRun["Targets"]![0]!["Input"]!.GetValue<string>());
        Assert.Equal(freshness["Targets"]![0]!["Arn"]!.ToJsonString(), afterRun["Targets"]![0]!["Arn"]!.ToJsonString());
        // Pruning is off unless prune_enabled.
        Assert.DoesNotContain(prod.Resources("AWS::Events::Rule"), r => r["Properties"]!["Targets"]![0]!["Input"]?.GetValue<string>()?.Contains(OrchestratorActions.Prune, StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Monitoring_AlarmsForErrorsFailuresTimeoutsAbortsStalenessAndTheEcsTask_AllToTheTopic()
    {
        Assert.Empty(prod.Resources("AWS::SNS::Subscription"));
        var alarms = prod.Resources("AWS::CloudWatch::Alarm").Select(a => a["Properties"]!).ToArray();
        Assert.Equal(9, alarms.Length);
        Assert.Equal(3, alarms.Count(a => a["Metrics"] is not null && a["Threshold"]!.GetValue<double>() == 5 && a["Metrics"]!.ToJsonString().Contains("\"Errors\"", StringComparison.Ordinal)));
        foreach (var metric in new[] { "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted" })
        {
            Assert.Contains(alarms, a => a["MetricName"]?.GetValue<string>() == metric && a["Namespace"]!.GetValue<string>() == "AWS/States");
        }
        var stale = alarms.Single(a => a["MetricName"]?.GetValue<string>() == "MirrorAgeHours");
        Assert.Equal(192, stale["Threshold"]!.GetValue<double>());
        // The freshness check reports no age before the first sync finishes: a deployment whose runs never succeed
        // has no data, which must breach. Two days of it, so a day whose check has not run yet never fires it alone.
        Assert.Equal(("breaching", 2, 2, 86400), (stale["TreatMissingData"]!.GetValue<string>(), stale["EvaluationPeriods"]!.GetValue<int>(), stale["DatapointsToAlarm"]!.GetValue<int>(), stale["Period"]!.GetValue<int>()));
        Assert.Equal(("HomebrewSync", "Maximum", """[{"Name":"Environment","Value":"prod"}]"""), (stale["Namespace"]!.GetValue<string>(), stale["Statistic"]!.GetValue<string>(), stale["Dimensions"]!.ToJsonString()));
        // Longer than the longest gap of the weekly schedule: it cannot fire before each run.
        Assert.True(stale["Threshold"]!.GetValue<double>() > ScheduleExpression.LongestGap(prod.Config.ScheduleExpression, new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(60))!.Value.TotalHours);
        Assert.Contains(alarms, a => a["Threshold"]!.GetValue<double>() == 80 && a["Metrics"]!.ToJsonString().Contains("CpuUtilized", StringComparison.Ordinal));
        Assert.All(alarms, a => Assert.Single(a["AlarmActions"]!.AsArray()));
        var dashboard = prod.Single("AWS::CloudWatch::Dashboard")["Properties"]!["DashboardBody"]!.ToJsonString();
        foreach (var title in new[] { "Lambda Orchestrator Metrics", "ECS Task Resource Utilization", "Recent Downloads", "Sync Executions", "BottlesDownloaded" })
        {
            Assert.Contains(title, dashboard, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Budget_MonthlyLimit_FilteredToThisStack_NotifiesTheAlertsTopic()
    {
        var budget = prod.Single("AWS::Budgets::Budget")["Properties"]!;
        Assert.Equal(500, budget["Budget"]!["BudgetLimit"]!["Amount"]!.GetValue<double>());
        Assert.Equal("MONTHLY", budget["Budget"]!["TimeUnit"]!.GetValue<string>());
        Assert.Equal("""["user:Stack$HomebrewSync-prod"]""", budget["Budget"]!["CostFilters"]!["TagKeyValue"]!.ToJsonString());
        Assert.All(budget["NotificationsWithSubscribers"]!.AsArray(), n => Assert.Equal("SNS", n!["Subscribers"]![0]!["SubscriptionType"]!.GetValue<string>()));
        // Budgets may publish to the topic.
        Assert.Contains("budgets.amazonaws.com", prod.Single("AWS::SNS::TopicPolicy")["Properties"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyPack_RealProdStackPasses_WithItsDocumentedSuppressions()
    {
        Assert.NotEmpty(prod.Suppressed);
        Assert.All(prod.Suppressed, s => Assert.Contains("suppressed: ", s, StringComparison.Ordinal));
        Assert.Contains(prod.Suppressed, s => s.Contains("[IAM-WILDCARD-RESOURCE] suppressed: Step Functions' ecs:runTask.sync integration", StringComparison.Ordinal));
    }

    [Fact]
    public void Secret_HoldsAPlaceholderTheRuntimeRecognises_AndTagsComeFromConfig()
    {
        // The other secret is the brew endpoint's token file (BrewEndpointTemplateTests).
        var secret = prod.Resources("AWS::SecretsManager::Secret").Select(s => s["Properties"]!).Single(s => s["Name"]!.GetValue<string>() != prod.Names.BrewTokenSecret);
        Assert.Equal("homebrew-sync/slack-webhook", secret["Name"]!.GetValue<string>());
        // Frozen: CloudFormation writes the value again whenever it changes in the template, overwriting the webhook an
        // operator set. This is the text every stack was created with; it does not follow SlackSecretPlaceholder.Value.
        const string Frozen = "not-set: aws secretsmanager put-secret-value --secret-id <name> --secret-string https://hooks.slack.com/services/...";
        Assert.Equal(Frozen, secret["SecretString"]!.GetValue<string>());
        Assert.Equal(Frozen, Constructs.SecretsConstruct.InitialValue);
        Assert.Null(secret["GenerateSecretString"]);
        // Whatever the runtime's constant becomes, it must still read the frozen text as "not set yet".
        Assert.True(SlackSecretPlaceholder.Is(Frozen));
        Assert.Null(Core.Notifications.SlackWebhookSecret.Parse("homebrew-sync/slack-webhook", Frozen));
        var tags = prod.Single("AWS::S3::Bucket")["Properties"]!["Tags"]!.AsArray().ToDictionary(t => t!["Key"]!.GetValue<string>(), t => t!["Value"]!.GetValue<string>());
        foreach (var (key, value) in prod.Config.Tags)
        {
            Assert.Equal(value, tags[key]);
        }
        Assert.Equal("HomebrewSync-prod", tags["Stack"]);
    }
}
