using System.Text.Json.Nodes;

namespace HomebrewSync.Infra.Tests;

public sealed class DevTemplateTests(DevStack dev) : IClassFixture<DevStack>
{
    [Fact]
    public void Dev_OverridesProdDefaultsTheWayDevTfvarsDoes()
    {
        // Ours, not the bucket's auto-delete custom resource (a dev stack takes its data with it).
        var functions = dev.Resources("AWS::Lambda::Function").Where(f => f["Properties"]!["FunctionName"] is not null).ToDictionary(f => f["Properties"]!["FunctionName"]!.GetValue<string>(), f => f["Properties"]!);
        Assert.Equal(512, functions["homebrew-sync-dev-orchestrator"]["MemorySize"]!.GetValue<int>());
        Assert.Equal(1024, functions["homebrew-sync-dev-worker"]["MemorySize"]!.GetValue<int>());
        Assert.Equal(900, functions["homebrew-sync-dev-worker"]["Timeout"]!.GetValue<int>());
        Assert.Equal(10240, functions["homebrew-sync-dev-worker"]["EphemeralStorage"]!["Size"]!.GetValue<int>());
        Assert.Equal("10240", functions["homebrew-sync-dev-worker"]["Environment"]!["Variables"]!["WORKER_STAGING_LIMIT_MB"]!.GetValue<string>());
        // No open brew endpoint in dev: without allowed_cidrs it would serve anyone who finds the URL.
        Assert.False(dev.Config.BrewEndpoint.Enabled);
        Assert.DoesNotContain("homebrew-sync-dev-brew-endpoint", functions.Keys);
        Assert.Empty(dev.Resources("AWS::Lambda::Url"));
        Assert.All(functions.Values, f => Assert.Equal("PassThrough", f["TracingConfig"]?["Mode"]?.GetValue<string>() ?? "PassThrough"));
        var task = dev.Single("AWS::ECS::TaskDefinition")["Properties"]!;
        Assert.Equal(("1024", "4096", 50), (task["Cpu"]!.GetValue<string>(), task["Memory"]!.GetValue<string>(), task["EphemeralStorage"]!["SizeInGiB"]!.GetValue<int>()));
        Assert.Empty(dev.Resources("AWS::SNS::Subscription"));
        Assert.Contains(dev.Resources("AWS::Events::Rule"), r => r["Properties"]!["ScheduleExpression"]?.GetValue<string>() == "cron(0 */6 * * ? *)");
        Assert.All(dev.Resources("AWS::Logs::LogGroup"), g => Assert.Equal(7, g["Properties"]!["RetentionInDays"]!.GetValue<int>()));
        Assert.Equal(50, dev.Single("AWS::Budgets::Budget")["Properties"]!["Budget"]!["BudgetLimit"]!["Amount"]!.GetValue<double>());
        var bucket = dev.Single("AWS::S3::Bucket");
        Assert.Equal("homebrew-bottles-dev-123456789012", bucket["Properties"]!["BucketName"]!.GetValue<string>());
        Assert.Equal("Delete", bucket["DeletionPolicy"]!.GetValue<string>());
        Assert.Equal(7, bucket["Properties"]!["LifecycleConfiguration"]!["Rules"]!.AsArray().Single(r => r!["Id"]!.GetValue<string>() == "plans")!["ExpirationInDays"]!.GetValue<int>());
        Assert.Equal("5", functions["homebrew-sync-dev-orchestrator"]["Environment"]!["Variables"]!["SIZE_THRESHOLD_GB"]!.GetValue<string>());
        // enable_detailed_monitoring is off in dev: no Container Insights, so no ECS CPU alarm or widget.
        Assert.Contains(dev.Single("AWS::ECS::Cluster")["Properties"]!["ClusterSettings"]!.AsArray(), s => s!["Name"]!.GetValue<string>() == "containerInsights" && s["Value"]!.GetValue<string>() == "disabled");
        var dashboard = dev.Single("AWS::CloudWatch::Dashboard")["Properties"]!["DashboardBody"]!.ToJsonString();
        Assert.DoesNotContain("ContainerInsights", dashboard, StringComparison.Ordinal);
        Assert.Contains("/ecs/homebrew-sync-dev", dashboard, StringComparison.Ordinal);
        Assert.DoesNotContain(dev.Resources("AWS::CloudWatch::Alarm"), a => a["Properties"]!.ToJsonString().Contains("CpuUtilized", StringComparison.Ordinal));
    }
}

public sealed class PerDeveloperStackTests(AliceStack alice, DevStack dev, ProdStack prod) : IClassFixture<AliceStack>, IClassFixture<DevStack>, IClassFixture<ProdStack>
{
    private static readonly string[] NameProperties = ["BucketName", "FunctionName", "ClusterName", "Family", "StateMachineName", "TopicName", "Name", "LogGroupName", "DashboardName", "BudgetName"];

    private static HashSet<string> PhysicalNames(Synthesized s)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, resource) in s.Json["Resources"]!.AsObject())
        {
            if (resource!["Properties"] is not JsonObject props)
            {
                continue;
            }
            foreach (var p in NameProperties)
            {
                if (props[p] is JsonValue v && v.TryGetValue<string>(out var name))
                {
                    names.Add(name);
                }
            }
            if (props["Budget"]?["BudgetName"] is JsonValue b)
            {
                names.Add(b.GetValue<string>());
            }
        }
        return names;
    }

    [Fact]
    public void PerDeveloperStack_SharesNoPhysicalNameWithDevOrProd()
    {
        var mine = PhysicalNames(alice);

        Assert.True(mine.Count >= 10, string.Join(", ", mine));
        Assert.Empty(mine.Intersect(PhysicalNames(dev)));
        Assert.Empty(mine.Intersect(PhysicalNames(prod)));
        Assert.Contains("homebrew-bottles-dev-123456789012-alice", mine);
        Assert.Contains("homebrew-sync-dev-alice-orchestrator", mine);
    }

    [Fact]
    public void PerDeveloperStack_AnswersOnlyEventsNamingIt_HasNoScheduleNatOrCluster_AndABudgetForItsOwnResources()
    {
        var rules = alice.Resources("AWS::Events::Rule").Select(r => r["Properties"]!).ToArray();
        var custom = Assert.Single(rules, r => r["EventPattern"]?["source"]?[0]?.GetValue<string>() == "homebrew.sync")["EventPattern"]!;
        Assert.Equal("""["HomebrewSync-dev-alice"]""", custom["detail"]!["stack"]!.ToJsonString());
        var devCustom = dev.Resources("AWS::Events::Rule").Single(r => r["Properties"]!["EventPattern"]?["source"]?[0]?.GetValue<string>() == "homebrew.sync")["Properties"]!["EventPattern"]!;
        Assert.Equal("""["HomebrewSync-dev"]""", devCustom["detail"]!["stack"]!.ToJsonString());
        // No sync schedule (per_developer.schedule_enabled is false): besides the stack's own event, only the rules that
        // report an execution that timed out or was aborted.
        Assert.DoesNotContain(rules, r => r["ScheduleExpression"] is not null);
        Assert.Equal(
            new[] { "ABORTED", "TIMED_OUT" },
            rules.Where(r => r["EventPattern"]!["source"]![0]!.GetValue<string>() == "aws.states").Select(r => r["EventPattern"]!["detail"]!["status"]![0]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(3, rules.Length);
        Assert.Empty(alice.Resources("AWS::EC2::NatGateway"));
        Assert.Empty(alice.Resources("AWS::EC2::EIP"));
        Assert.Empty(alice.Resources("AWS::ECS::Cluster"));
        Assert.DoesNotContain(alice.Resources("AWS::Lambda::Function"), f => f["Properties"]!["Environment"]?["Variables"]?[EnvVarsEcsCluster] is not null);
        var budget = alice.Single("AWS::Budgets::Budget")["Properties"]!["Budget"]!;
        Assert.Equal(20, budget["BudgetLimit"]!["Amount"]!.GetValue<double>());
        Assert.Equal("""["user:Stack$HomebrewSync-dev-alice"]""", budget["CostFilters"]!["TagKeyValue"]!.ToJsonString());
        // Every resource that can carry tags carries the stack tag the budget filters on.
        var bucketTags = alice.Single("AWS::S3::Bucket")["Properties"]!["Tags"]!.AsArray();
        Assert.Contains(bucketTags, t => t!["Key"]!.GetValue<string>() == "Stack" && t["Value"]!.GetValue<string>() == "HomebrewSync-dev-alice");
    }

    private const string EnvVarsEcsCluster = HomebrewSync.Contracts.EnvVars.EcsClusterName;

    [Fact]
    public void PerDeveloperStack_WithoutASchedule_HasNoStaleMirrorAlarmOrFreshnessCheck_WhileDevHasBoth()
    {
        Assert.False(alice.Config.ScheduleEnabled);
        Assert.True(dev.Config.ScheduleEnabled);
        static bool Stale(JsonObject alarm) => alarm["Properties"]!["MetricName"]?.GetValue<string>() == "MirrorAgeHours";
        static bool Freshness(JsonObject rule) => rule["Properties"]!["Targets"]!.ToJsonString().Contains(HomebrewSync.Contracts.StateMachine.OrchestratorActions.CheckFreshness, StringComparison.Ordinal);

        // A manual run in alice's stack is not followed, 30 hours later, by an alarm that the mirror is stale.
        Assert.DoesNotContain(alice.Resources("AWS::CloudWatch::Alarm"), Stale);
        Assert.DoesNotContain(alice.Resources("AWS::Events::Rule"), Freshness);
        Assert.DoesNotContain("MirrorAgeHours", alice.Single("AWS::CloudWatch::Dashboard")["Properties"]!["DashboardBody"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Single(dev.Resources("AWS::CloudWatch::Alarm"), Stale);
        Assert.Equal(2, dev.Resources("AWS::Events::Rule").Count(Freshness));
    }

    [Fact]
    public void StaleAlarmShorterThanTheScheduleGap_IsAnError_OnlyWhenTheStackHasASchedule()
    {
        static bool GapError(string e) => e.StartsWith("max_mirror_age_hours:", StringComparison.Ordinal);
        // alice inherits dev's 6-hourly cron; her stack does not run it, so nothing checks against it.
        var unscheduled = alice.Config with { MaxMirrorAgeHours = 1 };

        Assert.DoesNotContain(HomebrewSync.Contracts.Deployment.DeploymentConfigValidator.Validate(unscheduled), GapError);
        Assert.Contains(HomebrewSync.Contracts.Deployment.DeploymentConfigValidator.Validate(unscheduled with { ScheduleEnabled = true }), GapError);
    }

    [Fact]
    public void PerDeveloperStack_IsRemovable()
    {
        Assert.All(alice.Json["Resources"]!.AsObject(), r => Assert.NotEqual("Retain", r.Value!["DeletionPolicy"]?.GetValue<string>()));
        Assert.Equal("HomebrewSync-dev-alice", alice.Names.StackName);
    }
}

public sealed class ConfigDrivesTheTemplateTests : IClassFixture<ConfigDrivesTheTemplateTests.EditedDev>
{
    private readonly EditedDev _edited;

    public ConfigDrivesTheTemplateTests(EditedDev edited) => _edited = edited;

    public sealed class EditedDev() : Synthesized("dev", configDir: Edit());

    private static string Edit()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hbs-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(Synthesized.RepositoryRoot(), "config", "prod.json"), Path.Combine(dir, "prod.json"));
        var dev = JsonNode.Parse(File.ReadAllText(Path.Combine(Synthesized.RepositoryRoot(), "config", "dev.json")))!.AsObject();
        dev["lambda_sync_memory_size"] = 2048;
        dev["schedule_expression"] = "cron(30 4 ? * MON *)";
        dev["max_mirror_age_hours"] = 180;
        dev["prune_enabled"] = true;
        dev["prune_keep_days"] = 45;
        dev["monthly_budget_limit"] = 75;
        dev["brew_endpoint"] = new JsonObject { ["enabled"] = true, ["auth"] = true, ["pull_through"] = true, ["max_concurrency"] = 20 };
        dev["kms_key_id"] = "0b5e6a6c-1a2b-4c3d-8e9f-0123456789ab";
        File.WriteAllText(Path.Combine(dir, "dev.json"), dev.ToJsonString());
        return dir;
    }

    [Fact]
    public void ChangingDevJson_ChangesTheTemplate()
    {
        Assert.Contains(_edited.Resources("AWS::Lambda::Function"), f => f["Properties"]!["MemorySize"]?.GetValue<int>() == 2048);
        Assert.Contains(_edited.Resources("AWS::Events::Rule"), r => r["Properties"]!["ScheduleExpression"]?.GetValue<string>() == "cron(30 4 ? * MON *)");
        Assert.Equal(75, _edited.Single("AWS::Budgets::Budget")["Properties"]!["Budget"]!["BudgetLimit"]!["Amount"]!.GetValue<double>());
        Assert.Contains(_edited.Resources("AWS::Lambda::Function"), f => f["Properties"]!["Environment"]?["Variables"]?["SCHEDULE_EXPRESSION"]?.GetValue<string>() == "cron(30 4 ? * MON *)");
        var prune = _edited.Resources("AWS::Events::Rule").Single(r => r["Properties"]!["Name"]?.GetValue<string>() == "homebrew-sync-dev-prune")["Properties"]!;
        Assert.Equal("rate(7 days)", prune["ScheduleExpression"]!.GetValue<string>());
        Assert.Equal("""{"action":"prune","keep_days":45}""", prune["Targets"]![0]!["Input"]!.GetValue<string>());
    }

    [Fact]
    public void AKmsKey_EncryptsTheBucketWithIt_ThroughAnS3BucketKey()
    {
        // Without a Bucket Key every PUT, part and brew download is a KMS request, against a quota the account shares.
        var rule = _edited.Single("AWS::S3::Bucket")["Properties"]!["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!;

        Assert.Equal("aws:kms", rule["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        Assert.Contains(":key/0b5e6a6c-1a2b-4c3d-8e9f-0123456789ab", rule["ServerSideEncryptionByDefault"]!["KMSMasterKeyID"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.True(rule["BucketKeyEnabled"]!.GetValue<bool>());
    }

    [Fact]
    public void PullThroughOnTheEndpoint_SetsItsEnvironment_AndLetsItWriteToTheBucket()
    {
        var endpoint = _edited.Resources("AWS::Lambda::Function").Single(f => f["Properties"]!["FunctionName"]?.GetValue<string>() == _edited.Names.BrewEndpointFunction);
        var env = endpoint["Properties"]!["Environment"]!["Variables"]!;

        Assert.Equal("true", env["SERVE_PULL_THROUGH"]!.GetValue<string>());
        Assert.Equal("25", env["TIME_BUDGET_SECONDS"]!.GetValue<string>());
        Assert.Equal("20", env["SERVE_PULL_TIMEOUT_SECONDS"]!.GetValue<string>());
        Assert.Equal(string.Join(',', _edited.Config.TargetPlatforms), env["TARGET_PLATFORMS"]!.GetValue<string>());
        Assert.Equal(30, endpoint["Properties"]!["Timeout"]!.GetValue<int>());
        var role = endpoint["Properties"]!["Role"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var policies = _edited.Resources("AWS::IAM::Policy").Where(p => p["Properties"]!["Roles"]!.ToJsonString().Contains(role, StringComparison.Ordinal)).Select(p => p.ToJsonString());
        Assert.Contains(policies, p => p.Contains("s3:PutObject", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxConcurrencyOnTheEndpoint_ReservesItForTheEndpointAlone()
    {
        var functions = _edited.Resources("AWS::Lambda::Function").ToArray();
        var endpoint = functions.Single(f => f["Properties"]!["FunctionName"]?.GetValue<string>() == _edited.Names.BrewEndpointFunction);

        Assert.Equal(20, endpoint["Properties"]!["ReservedConcurrentExecutions"]!.GetValue<int>());
        Assert.All(functions.Where(f => f != endpoint), f => Assert.Null(f["Properties"]!["ReservedConcurrentExecutions"]));
    }
}
