using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace HomebrewSync.Infra.Constructs;

/// <summary>The sync functions need, besides what every function does, the Slack secret and the deployment's inputs.</summary>
public sealed class LambdaProps : FunctionConstructProps
{
    public required ISecret SlackWebhook { get; init; }
    public required RuntimeInputs Inputs { get; init; }
}

/// <summary>The orchestrator and worker functions on the managed dotnet10 runtime, with their environment from the shared contracts.</summary>
public sealed class LambdaConstruct : Construct
{
    /// <summary>CDK 2.160 has no constant for it.</summary>
    public static readonly Runtime Dotnet10 = new("dotnet10", RuntimeFamily.DOTNET_CORE);

    public LambdaConstruct(Construct scope, string id, LambdaProps props)
        : base(scope, id)
    {
        var c = props.Config;
        Orchestrator = Create(this, "Orchestrator", c, props.Names, props.Code, props.Names.OrchestratorFunction, HandlerNames.Orchestrator,
            c.LambdaOrchestratorMemorySize, c.LambdaOrchestratorTimeoutSeconds, RuntimeEnvironment.Orchestrator(c, props.Names, props.Inputs));
        Worker = Create(this, "Worker", c, props.Names, props.Code, props.Names.WorkerFunction, HandlerNames.Worker,
            c.LambdaSyncMemorySize, c.LambdaSyncTimeoutSeconds, RuntimeEnvironment.Worker(c, props.Names, props.Inputs), c.LambdaSyncEphemeralStorageMb);
        foreach (var f in new[] { Orchestrator, Worker })
        {
            props.Bucket.GrantReadWrite(f);
            GrantSlackSecret(f.Role!, props.SlackWebhook, c, props.Names);
        }
    }

    public LambdaFunction Orchestrator { get; }
    public LambdaFunction Worker { get; }

    /// <summary>What the functions that stage no bottles get in <c>/tmp</c>.</summary>
    public const int DefaultEphemeralStorageMb = 2048;

    /// <summary>A function of this deployment: its own log group with the config's retention, X-Ray when enabled, arm64.</summary>
    public static LambdaFunction Create(Construct scope, string id, DeploymentConfig c, DeploymentNames n, Code code, string name, string handler, int memory, int timeoutSeconds, Dictionary<string, string> environment, int ephemeralStorageMb = DefaultEphemeralStorageMb)
    {
        var logs = new LogGroup(scope, id + "Logs", new LogGroupProps
        {
            LogGroupName = n.LogGroup(name),
            Retention = Retention(c.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        return new LambdaFunction(scope, id, new FunctionProps
        {
            FunctionName = name,
            Runtime = Dotnet10,
            Handler = handler,
            Code = code,
            MemorySize = memory,
            Timeout = Duration.Seconds(timeoutSeconds),
            EphemeralStorageSize = Size.Mebibytes(ephemeralStorageMb),
            Environment = environment,
            Tracing = c.EnableXrayTracing ? Tracing.ACTIVE : Tracing.DISABLED,
            LogGroup = logs,
            Architecture = Architecture.ARM_64,
        });
    }

    /// <summary>The runtime reads the Slack webhook through SSM's Secrets Manager reference path: the secret and that parameter.</summary>
    public static void GrantSlackSecret(IRole role, ISecret secret, DeploymentConfig c, DeploymentNames n)
    {
        ArgumentNullException.ThrowIfNull(n);
        GrantSecretThroughSsm(role, secret, n.SlackSecret, c);
    }

    /// <summary>Read-only access to a secret the runtime reads through SSM's Secrets Manager reference path: the secret and that parameter.</summary>
    public static void GrantSecretThroughSsm(IRole role, ISecret secret, string secretName, DeploymentConfig c)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(c);
        secret.GrantRead(role);
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ssm:GetParameter"],
            // Partition-aware (aws-cn, aws-us-gov): the stack's own partition, region and account.
            Resources = [Stack.Of(role).FormatArn(new ArnComponents
            {
                Service = "ssm", Region = c.AwsRegion, Account = c.AwsAccount, Resource = "parameter", ResourceName = "aws/reference/secretsmanager/" + secretName, ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
            })],
        }));
    }

    public static RetentionDays Retention(int days) => days switch
    {
        <= 1 => RetentionDays.ONE_DAY,
        <= 3 => RetentionDays.THREE_DAYS,
        <= 5 => RetentionDays.FIVE_DAYS,
        <= 7 => RetentionDays.ONE_WEEK,
        <= 14 => RetentionDays.TWO_WEEKS,
        <= 30 => RetentionDays.ONE_MONTH,
        <= 60 => RetentionDays.TWO_MONTHS,
        <= 90 => RetentionDays.THREE_MONTHS,
        <= 180 => RetentionDays.SIX_MONTHS,
        <= 365 => RetentionDays.ONE_YEAR,
        _ => RetentionDays.TEN_YEARS,
    };
}
