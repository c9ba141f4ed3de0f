using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;

namespace HomebrewSync.Infra.Tests;

public sealed class ProdTemplateTests(ProdStack prod) : IClassFixture<ProdStack>
{
    private static JsonArray Arr(params object[] items) => new(items.Select(i => JsonValue.Create(i)).ToArray<JsonNode?>());

    [Fact]
    public void Bucket_IsVersionedEncryptedPrivateRetainedWithConfiguredLifecycle()
    {
        prod.Template.HasResource("AWS::S3::Bucket", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Retain",
            ["Properties"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["BucketName"] = "homebrew-bottles-prod",
                ["VersioningConfiguration"] = new Dictionary<string, object> { ["Status"] = "Enabled" },
                ["BucketEncryption"] = new Dictionary<string, object>
                {
                    ["ServerSideEncryptionConfiguration"] = new object[] { new Dictionary<string, object> { ["ServerSideEncryptionByDefault"] = new Dictionary<string, object> { ["SSEAlgorithm"] = "AES256" } } },
                },
                ["PublicAccessBlockConfiguration"] = new Dictionary<string, object> { ["BlockPublicAcls"] = true, ["BlockPublicPolicy"] = true, ["IgnorePublicAcls"] = true, ["RestrictPublicBuckets"] = true },
            }),
        });
        var rules = prod.Single("AWS::S3::Bucket")["Properties"]!["LifecycleConfiguration"]!["Rules"]!.AsArray();
        var bottles = rules.Single(r => r!["Id"]!.GetValue<string>() == "bottles")!;
        Assert.Equal(365, bottles["ExpirationInDays"]!.GetValue<int>());
        Assert.Equal(90, bottles["NoncurrentVersionExpiration"]!["NoncurrentDays"]!.GetValue<int>());
        Assert.Equal("GLACIER_IR", bottles["Transitions"]![0]!["StorageClass"]!.GetValue<string>());
        Assert.Equal(90, bottles["Transitions"]![0]!["TransitionInDays"]!.GetValue<int>());
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
    public void Efs_HasTheConfiguredModes()
    {
        prod.Template.HasResourceProperties("AWS::EFS::FileSystem", new Dictionary<string, object>
        {
            ["Encrypted"] = true,
            ["PerformanceMode"] = "generalPurpose",
            ["ThroughputMode"] = "provisioned",
            ["ProvisionedThroughputInMibps"] = 500,
        });
    }

    [Fact]
    public void TaskDefinition_SizesEnvironmentSecretAndEfsFromConfig()
    {
        var task = prod.Single("AWS::ECS::TaskDefinition")["Properties"]!;
        Assert.Equal("4096", task["Cpu"]!.GetValue<string>());
        Assert.Equal("16384", task["Memory"]!.GetValue<string>());
        Assert.Equal(200, task["EphemeralStorage"]!["SizeInGiB"]!.GetValue<int>());
        var container = task["ContainerDefinitions"]![0]!;
        var env = container["Environment"]!.AsArray().ToDictionary(e => e!["Name"]!.GetValue<string>(), e => e!["Value"]!.GetValue<string>());
        Assert.Equal(RuntimeEnvironment.EcsTask(prod.Config, prod.Names, "/mnt/efs"), env);
        Assert.Equal("5", env[EnvVars.MaxConcurrentDownloads]);
        Assert.Equal(EnvVars.SlackWebhookUrl, container["Secrets"]![0]!["Name"]!.GetValue<string>());
        Assert.Equal("/mnt/efs", container["MountPoints"]![0]!["ContainerPath"]!.GetValue<string>());
        Assert.NotNull(task["Volumes"]![0]!["EFSVolumeConfiguration"]);
        Assert.Equal("awslogs", container["LogConfiguration"]!["LogDriver"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("homebrew-sync-orchestrator", HandlerNames.Orchestrator, 1024, 300)]
    [InlineData("homebrew-sync-worker", HandlerNames.Worker, 3008, 900)]
    public void Lambda_OnDotnet10WithConfiguredSizesTracingAndSharedEnvironment(string name, string handler, int memory, int timeout)
    {
        var function = prod.Resources("AWS::Lambda::Function").Single(f => f["Properties"]!["FunctionName"]!.GetValue<string>() == name)["Properties"]!;

        Assert.Equal("dotnet10", function["Runtime"]!.GetValue<string>());
        Assert.Equal(handler, function["Handler"]!.GetValue<string>());
        Assert.Equal(memory, function["MemorySize"]!.GetValue<int>());
        Assert.Equal(timeout, function["Timeout"]!.GetValue<int>());
        Assert.Equal("Active", function["TracingConfig"]!["Mode"]!.GetValue<string>());
        var env = function["Environment"]!["Variables"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
        var expected = name.EndsWith("orchestrator", StringComparison.Ordinal) ? RuntimeEnvironment.Orchestrator(prod.Config, prod.Names) : RuntimeEnvironment.Worker(prod.Config, prod.Names);
        Assert.Equal(expected, env);
        // What the infra sets is what the runtime binds, without a single error.
        var reader = new SettingsReader(env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
        var settings = SyncSettingsReader.Read(reader);
        NotificationSettings.Read(reader);
        Assert.Empty(reader.Errors.Concat(SyncSettingsValidator.Validate(settings)));
    }

    [Fact]
    public void LogGroups_AllHaveTheConfiguredRetention()
    {
        var groups = prod.Resources("AWS::Logs::LogGroup");
        Assert.Equal(4, groups.Count);
        Assert.All(groups, g => Assert.Equal(30, g["Properties"]!["RetentionInDays"]!.GetValue<int>()));
    }

    [Fact]
    public void StateMachine_PlansRoutesLoopsRunsEcsAndCatchesFailures()
    {
        var machine = prod.Single("AWS::StepFunctions::StateMachine")["Properties"]!;
        Assert.Equal("homebrew-sync-state-machine", machine["StateMachineName"]!.GetValue<string>());
        var definition = string.Concat(machine["DefinitionString"]!["Fn::Join"]![1]!.AsArray().Select(p => p is JsonValue v && v.TryGetValue<string>(out var s) ? s : ""));
        foreach (var state in new[] { "\"Plan\"", "\"Route\"", "\"TransferOnLambda\"", "\"WorkerDone\"", "\"TransferOnEcs\"", "\"EcsExitCode\"", "\"NotifyRunFailure\"", "\"NotifyPlanFailure\"", "states:::ecs:runTask.sync", "\"$.plan.ecs_command\"", "notify_failure", "TriggerFormatException" })
        {
            Assert.Contains(state, definition, StringComparison.Ordinal);
        }
        Assert.True(machine["TracingConfiguration"]!["Enabled"]!.GetValue<bool>());
    }

    [Fact]
    public void Rules_ScheduleFromConfigAndTheCustomEvent()
    {
        prod.Template.HasResourceProperties("AWS::Events::Rule", new Dictionary<string, object> { ["ScheduleExpression"] = "cron(0 3 ? * SUN *)", ["State"] = "ENABLED" });
        prod.Template.HasResourceProperties("AWS::Events::Rule", new Dictionary<string, object>
        {
            ["EventPattern"] = new Dictionary<string, object> { ["source"] = new[] { "homebrew.sync" }, ["detail-type"] = new[] { "Manual Sync Trigger", "Selective Sync" } },
        });
    }

    [Fact]
    public void Monitoring_TopicWithEmailsAlarmsAndDashboard()
    {
        Assert.Equal(["alerts@company.com", "devops@company.com"], prod.Resources("AWS::SNS::Subscription").Select(s => s["Properties"]!["Endpoint"]!.GetValue<string>()).Order());
        var alarms = prod.Resources("AWS::CloudWatch::Alarm").Select(a => a["Properties"]!).ToArray();
        Assert.Equal(5, alarms.Length);
        Assert.Equal(2, alarms.Count(a => a["Threshold"]!.GetValue<double>() == 5));
        Assert.Contains(alarms, a => a["MetricName"]?.GetValue<string>() == "CPUUtilization" && a["Threshold"]!.GetValue<double>() == 80);
        Assert.Contains(alarms, a => a["MetricName"]?.GetValue<string>() == "ExecutionsFailed");
        Assert.Contains(alarms, a => a["MetricName"]?.GetValue<string>() == "ExecutionsSucceeded" && a["TreatMissingData"]!.GetValue<string>() == "breaching" && a["EvaluationPeriods"]!.GetValue<int>() == 7);
        Assert.All(alarms, a => Assert.Single(a["AlarmActions"]!.AsArray()));
        var dashboard = prod.Single("AWS::CloudWatch::Dashboard")["Properties"]!["DashboardBody"]!.ToJsonString();
        foreach (var title in new[] { "Lambda Orchestrator Metrics", "ECS Task Resource Utilization", "Recent Downloads", "Sync Executions", "BottlesDownloaded" })
        {
            Assert.Contains(title, dashboard, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Budget_MonthlyLimitNotifiesTheSameEmails()
    {
        var budget = prod.Single("AWS::Budgets::Budget")["Properties"]!;
        Assert.Equal(500, budget["Budget"]!["BudgetLimit"]!["Amount"]!.GetValue<double>());
        Assert.Equal("MONTHLY", budget["Budget"]!["TimeUnit"]!.GetValue<string>());
        var subscribers = budget["NotificationsWithSubscribers"]![0]!["Subscribers"]!.AsArray().Select(s => s!["Address"]!.GetValue<string>()).Order();
        Assert.Equal(["alerts@company.com", "devops@company.com"], subscribers);
    }

    [Fact]
    public void PolicyPack_RealProdStackPasses_WithItsOneDocumentedSuppression()
    {
        Assert.Empty(prod.Errors);
        Assert.Single(prod.Suppressed);
        Assert.Contains("[IAM-WILDCARD-RESOURCE] suppressed: Step Functions' ecs:runTask.sync integration", prod.Suppressed[0], StringComparison.Ordinal);
    }

    [Fact]
    public void SecretAndTags_FromConfig()
    {
        prod.Template.HasResourceProperties("AWS::SecretsManager::Secret", new Dictionary<string, object> { ["Name"] = "homebrew-sync/slack-webhook" });
        var tags = prod.Single("AWS::S3::Bucket")["Properties"]!["Tags"]!.AsArray().ToDictionary(t => t!["Key"]!.GetValue<string>(), t => t!["Value"]!.GetValue<string>());
        foreach (var (key, value) in prod.Config.Tags)
        {
            Assert.Equal(value, tags[key]);
        }
    }
}
