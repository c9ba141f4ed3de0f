using Amazon.CDK;
using Amazon.CDK.AWS.Budgets;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.CXAPI;
using HomebrewSync.Infra.Policies;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace HomebrewSync.Infra.Tests;

/// <summary>Each policy against a small stack that breaks it: synthesis reports the rule and the construct's path.</summary>
public sealed class PolicyPackTests
{
    private static readonly PolicyOptions Lenient = new(RetainData: false, Removable: false, RequireVersioning: false, MaxLambdaTimeoutSeconds: 300, RequiredTags: []);

    private sealed record Finding(string Level, string Path, string Text);

    private static List<Finding> Synthesize(Action<Stack> build, PolicyOptions? options = null, bool withBudget = true)
    {
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1");
        var app = new App();
        var stack = new Stack(app, "PolicyTest", new StackProps { Env = new Amazon.CDK.Environment { Account = "123456789012", Region = "us-east-1" } });
        if (withBudget)
        {
            new CfnBudget(stack, "Budget", new CfnBudgetProps { Budget = new CfnBudget.BudgetDataProperty { BudgetType = "COST", TimeUnit = "MONTHLY", BudgetLimit = new CfnBudget.SpendProperty { Amount = 1, Unit = "USD" } } });
        }
        build(stack);
        Aspects.Of(stack).Add(new PolicyPack(options ?? Lenient));
        var assembly = app.Synth();
        return assembly.Stacks.SelectMany(s => s.Messages)
            .Where(m => m.Level is SynthesisMessageLevel.ERROR or SynthesisMessageLevel.INFO)
            .Select(m => new Finding(m.Level.ToString()!, m.Id, m.Entry.Data?.ToString() ?? ""))
            .ToList();
    }

    private static void AssertViolation(List<Finding> findings, string rule, string pathEnd)
    {
        Assert.Contains(findings, f => f.Level == "ERROR" && f.Text.StartsWith($"[{rule}]", StringComparison.Ordinal) && f.Path.EndsWith(pathEnd, StringComparison.Ordinal));
    }

    private static LambdaFunction WatchedFunction(Stack stack, string id, int timeout = 60, IDictionary<string, string>? env = null)
    {
        var logs = new LogGroup(stack, id + "Logs", new LogGroupProps { Retention = RetentionDays.ONE_WEEK });
        var f = new LambdaFunction(stack, id, new FunctionProps
        {
            Runtime = Runtime.NODEJS_20_X, Handler = "index.handler", Code = Code.FromInline("exports.handler = async () => 1;"),
            Timeout = Duration.Seconds(timeout), LogGroup = logs, Environment = env,
        });
        f.MetricErrors().CreateAlarm(stack, id + "Alarm", new CreateAlarmOptions { Threshold = 1, EvaluationPeriods = 1 });
        return f;
    }

    [Fact]
    public void Bucket_WithoutEncryptionPublicAccessBlockOrTls_FailsEachRule()
    {
        var findings = Synthesize(s => new CfnBucket(s, "Raw", new CfnBucketProps { AccessControl = "PublicRead" }));

        AssertViolation(findings, PolicyRule.BucketEncryption, "/Raw");
        AssertViolation(findings, PolicyRule.BucketPublicAccess, "/Raw");
        AssertViolation(findings, PolicyRule.BucketTlsOnly, "/Raw");
        AssertViolation(findings, PolicyRule.BucketPublicAcl, "/Raw");
    }

    [Fact]
    public void Bucket_Unversioned_FailsWhereVersioningIsRequired()
    {
        void Build(Stack s) => new Bucket(s, "Bottles", new BucketProps { Encryption = BucketEncryption.S3_MANAGED, BlockPublicAccess = BlockPublicAccess.BLOCK_ALL, EnforceSSL = true });

        Assert.DoesNotContain(Synthesize(Build), f => f.Level == "ERROR");
        AssertViolation(Synthesize(Build, Lenient with { RequireVersioning = true }), PolicyRule.BucketVersioning, "/Bottles/Resource");
    }

    [Fact]
    public void Iam_WildcardActionAdminAndWildcardResource_Fail()
    {
        var findings = Synthesize(s =>
        {
            var role = new Role(s, "Wide", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
            role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["*"], Resources = ["arn:aws:s3:::one-bucket"] }));
            role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["s3:GetObject"], Resources = ["*"] }));
            role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["xray:PutTraceSegments"], Resources = ["*"] }));
            new Role(s, "Admin", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com"), ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AdministratorAccess")] });
        });

        AssertViolation(findings, PolicyRule.IamWildcardAction, "/Wide/DefaultPolicy/Resource");
        AssertViolation(findings, PolicyRule.IamWildcardResource, "/Wide/DefaultPolicy/Resource");
        AssertViolation(findings, PolicyRule.IamAdmin, "/Admin/Resource");
        Assert.DoesNotContain(findings, f => f.Text.Contains("xray:PutTraceSegments", StringComparison.Ordinal));
    }

    [Fact]
    public void Logs_WithoutRetention_AndFunctionWithoutItsLogGroup_Fail()
    {
        var findings = Synthesize(s =>
        {
            new LogGroup(s, "Forever", new LogGroupProps { Retention = RetentionDays.INFINITE });
            var f = new LambdaFunction(s, "Chatty", new FunctionProps { Runtime = Runtime.NODEJS_20_X, Handler = "index.handler", Code = Code.FromInline("exports.handler = async () => 1;") });
            f.MetricErrors().CreateAlarm(s, "ChattyAlarm", new CreateAlarmOptions { Threshold = 1, EvaluationPeriods = 1 });
        });

        AssertViolation(findings, PolicyRule.LogRetention, "/Forever/Resource");
        AssertViolation(findings, PolicyRule.LogRetention, "/Chatty/Resource");
    }

    [Fact]
    public void Lambda_TimeoutBeyondTheConfigsLimit_Fails()
    {
        AssertViolation(Synthesize(s => WatchedFunction(s, "Slow", timeout: 900)), PolicyRule.LambdaTimeout, "/Slow/Resource");
    }

    [Fact]
    public void Lambda_WebhookInPlainTextEnvironment_Fails()
    {
        var findings = Synthesize(s => WatchedFunction(s, "Leaky", env: new Dictionary<string, string> { ["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/XXXX" }));

        AssertViolation(findings, PolicyRule.PlaintextSecret, "/Leaky/Resource");
    }

    [Fact]
    public void Lambda_WithoutAnAlarm_Fails()
    {
        var findings = Synthesize(s => new LambdaFunction(s, "Unwatched", new FunctionProps
        {
            Runtime = Runtime.NODEJS_20_X, Handler = "index.handler", Code = Code.FromInline("exports.handler = async () => 1;"),
            LogGroup = new LogGroup(s, "UnwatchedLogs", new LogGroupProps { Retention = RetentionDays.ONE_WEEK }),
        }));

        AssertViolation(findings, PolicyRule.AlarmCoverage, "/Unwatched/Resource");
    }

    [Fact]
    public void StateMachine_EcsWithPublicIpInPublicSubnetWithoutAlarm_Fails()
    {
        var findings = Synthesize(s =>
        {
            var vpc = new CfnVPC(s, "Vpc", new CfnVPCProps { CidrBlock = "10.0.0.0/16" });
            var subnet = new CfnSubnet(s, "PublicSubnet", new CfnSubnetProps { VpcId = vpc.Ref, CidrBlock = "10.0.0.0/24", MapPublicIpOnLaunch = true });
            var role = new Role(s, "MachineRole", new RoleProps { AssumedBy = new ServicePrincipal("states.amazonaws.com") });
            new CfnStateMachine(s, "Machine", new CfnStateMachineProps
            {
                RoleArn = role.RoleArn,
                DefinitionString = Fn.Join("", ["{\"StartAt\":\"Run\",\"States\":{\"Run\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::ecs:runTask.sync\",\"Parameters\":{\"NetworkConfiguration\":{\"AwsvpcConfiguration\":{\"AssignPublicIp\":\"ENABLED\",\"Subnets\":[\"", subnet.Ref, "\"]}}},\"End\":true}}}"]),
            });
        });

        AssertViolation(findings, PolicyRule.EcsPublicIp, "/Machine");
        AssertViolation(findings, PolicyRule.EcsPrivateSubnets, "/Machine");
        AssertViolation(findings, PolicyRule.AlarmCoverage, "/Machine");
    }

    [Fact]
    public void Stack_WithoutBudget_Fails()
    {
        AssertViolation(Synthesize(_ => { }, withBudget: false), PolicyRule.BudgetPresent, "PolicyTest");
    }

    [Fact]
    public void Resources_WithoutRequiredTags_Fail()
    {
        var findings = Synthesize(s =>
        {
            new LogGroup(s, "Tagged", new LogGroupProps { Retention = RetentionDays.ONE_WEEK });
            Tags.Of(s).Add("Project", "x");
        }, Lenient with { RequiredTags = ["Project", "Environment"] });

        Assert.Contains(findings, f => f.Text == "[TAGS-REQUIRED] missing required tag(s) Environment" && f.Path.EndsWith("/Tagged/Resource", StringComparison.Ordinal));
    }

    [Fact]
    public void Data_NotRetainedInProd_AndRetainedInAPerDeveloperStack_Fail()
    {
        void Build(Stack s, RemovalPolicy policy) => new Bucket(s, "Bottles", new BucketProps
        {
            Encryption = BucketEncryption.S3_MANAGED, BlockPublicAccess = BlockPublicAccess.BLOCK_ALL, EnforceSSL = true, RemovalPolicy = policy,
        });

        AssertViolation(Synthesize(s => Build(s, RemovalPolicy.DESTROY), Lenient with { RetainData = true }), PolicyRule.RetainData, "/Bottles/Resource");
        AssertViolation(Synthesize(s => Build(s, RemovalPolicy.RETAIN), Lenient with { Removable = true }), PolicyRule.Removable, "/Bottles/Resource");
    }

    [Fact]
    public void Suppression_WithAReason_IsHonouredAndShown()
    {
        var findings = Synthesize(s =>
        {
            var bucket = new Bucket(s, "Legacy", new BucketProps { Encryption = BucketEncryption.S3_MANAGED, BlockPublicAccess = BlockPublicAccess.BLOCK_ALL });
            PolicySuppressions.Suppress(bucket, PolicyRule.BucketTlsOnly, "read by a 2012 appliance that cannot speak TLS 1.2; ticket OPS-42");
        });

        Assert.DoesNotContain(findings, f => f.Level == "ERROR");
        Assert.Contains(findings, f => f.Level == "INFO" && f.Text.StartsWith("[S3-TLS-ONLY] suppressed: read by a 2012 appliance", StringComparison.Ordinal) && f.Path.EndsWith("/Legacy/Resource", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => PolicySuppressions.Suppress(new Stack(), PolicyRule.BucketTlsOnly, " "));
    }
}
