using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace HomebrewSync.Infra.Constructs;

/// <summary>The brew endpoint needs what every function does (<see cref="FunctionConstructProps"/>), and nothing more.</summary>
public sealed class BrewEndpointProps : FunctionConstructProps;

/// <summary>
/// The mirror for brew over HTTPS: the brew-endpoint function behind a function URL (no IAM auth: brew cannot sign
/// requests; the config's allowed_cidrs are checked by the function), with read-only access to the bucket (read and write
/// with brew_endpoint.pull_through, which needs tokens). With
/// brew_endpoint.auth, a Secrets Manager secret holds the token file the function checks image indexes and blobs against,
/// and the function may only read it.
/// </summary>
public sealed class BrewEndpointConstruct : Construct
{
    public BrewEndpointConstruct(Construct scope, string id, BrewEndpointProps props)
        : base(scope, id)
    {
        var c = props.Config;
        Function = LambdaConstruct.Create(this, "Function", c, props.Names, props.Code, props.Names.BrewEndpointFunction, HandlerNames.BrewEndpoint,
            512, BrewEndpointConfig.TimeoutSeconds, RuntimeEnvironment.BrewEndpoint(c, props.Names));
        if (c.BrewEndpoint.MaxConcurrency is { } most)
        {
            // Reserved concurrency: the endpoint's ceiling, and the rest of the account's concurrency left to the worker.
            ((CfnFunction)Function.Node.DefaultChild!).ReservedConcurrentExecutions = most;
        }
        if (c.BrewEndpoint.PullThrough)
        {
            // A pull stores the bottle, its image index and the hash file, under a lease, as a sync does.
            props.Bucket.GrantReadWrite(Function);
        }
        else
        {
            props.Bucket.GrantRead(Function);
        }
        if (c.BrewEndpoint.Auth)
        {
            // No value in the template: CloudFormation generates one once (not a token list, so nothing is let in until an
            // operator puts the real file), and no later deploy can write over what the operator put.
            Tokens = new Secret(this, "Tokens", new SecretProps
            {
                SecretName = props.Names.BrewTokenSecret,
                Description = "Token file of the brew endpoint: NAME TOKEN lines; set with: aws secretsmanager put-secret-value --secret-string file://tokens.txt",
                GenerateSecretString = new SecretStringGenerator { ExcludePunctuation = true, PasswordLength = 32 },
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
            LambdaConstruct.GrantSecretThroughSsm(Function.Role!, Tokens, props.Names.BrewTokenSecret, c);
        }
        Url = Function.AddFunctionUrl(new FunctionUrlOptions { AuthType = FunctionUrlAuthType.NONE, InvokeMode = InvokeMode.BUFFERED });
        // Since October 2025 a public URL also needs lambda:InvokeFunction for calls through the URL (CDK 2.160 adds only InvokeFunctionUrl).
        var invoke = new CfnPermission(this, "InvokeThroughUrl", new CfnPermissionProps
        {
            Action = "lambda:InvokeFunction",
            FunctionName = Function.FunctionArn,
            Principal = "*",
        });
        invoke.AddPropertyOverride("InvokedViaFunctionUrl", true);
    }

    public LambdaFunction Function { get; }
    public FunctionUrl Url { get; }

    /// <summary>The token file's secret (brew_endpoint.auth); null without tokens.</summary>
    public Secret? Tokens { get; }
}
