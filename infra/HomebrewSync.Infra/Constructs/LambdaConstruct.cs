using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace HomebrewSync.Infra.Constructs;

public sealed class LambdaProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required IBucket Bucket { get; init; }
    public required ISecret SlackWebhook { get; init; }
    /// <summary>The output of <c>dotnet publish runtime/HomebrewSync.Lambda</c>.</summary>
    public required string PackageDirectory { get; init; }
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
        var code = Code.FromAsset(props.PackageDirectory);
        Orchestrator = Create("Orchestrator", props, code, props.Names.OrchestratorFunction, HandlerNames.Orchestrator,
            c.LambdaOrchestratorMemorySize, c.LambdaOrchestratorTimeoutSeconds, RuntimeEnvironment.Orchestrator(c, props.Names));
        Worker = Create("Worker", props, code, props.Names.WorkerFunction, HandlerNames.Worker,
            c.LambdaSyncMemorySize, c.LambdaSyncTimeoutSeconds, RuntimeEnvironment.Worker(c, props.Names));
    }

    public LambdaFunction Orchestrator { get; }
    public LambdaFunction Worker { get; }
    public IReadOnlyList<LambdaFunction> All => [Orchestrator, Worker];

    private LambdaFunction Create(string id, LambdaProps props, Code code, string name, string handler, int memory, int timeoutSeconds, Dictionary<string, string> environment)
    {
        var logs = new LogGroup(this, id + "Logs", new LogGroupProps
        {
            LogGroupName = props.Names.LogGroup(name),
            Retention = Retention(props.Config.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        var function = new LambdaFunction(this, id, new FunctionProps
        {
            FunctionName = name,
            Runtime = Dotnet10,
            Handler = handler,
            Code = code,
            MemorySize = memory,
            Timeout = Duration.Seconds(timeoutSeconds),
            EphemeralStorageSize = Size.Mebibytes(2048),
            Environment = environment,
            Tracing = props.Config.EnableXrayTracing ? Tracing.ACTIVE : Tracing.DISABLED,
            LogGroup = logs,
            Architecture = Architecture.ARM_64,
        });
        props.Bucket.GrantReadWrite(function);
        props.SlackWebhook.GrantRead(function);
        // The runtime reads the secret through SSM's Secrets Manager reference path.
        function.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ssm:GetParameter"],
            Resources = [$"arn:aws:ssm:{props.Config.AwsRegion}:{props.Config.AwsAccount}:parameter/aws/reference/secretsmanager/{props.Names.SlackSecret}"],
        }));
        return function;
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
