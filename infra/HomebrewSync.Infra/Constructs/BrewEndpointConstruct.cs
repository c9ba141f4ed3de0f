using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Constructs;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Contracts.StateMachine;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace HomebrewSync.Infra.Constructs;

public sealed class BrewEndpointProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required IBucket Bucket { get; init; }
    public required Code Code { get; init; }
}

/// <summary>
/// The mirror for brew over HTTPS: the brew-endpoint function behind a function URL (no IAM auth: brew cannot sign
/// requests; the config's allowed_cidrs are checked by the function), with read-only access to the bucket.
/// </summary>
public sealed class BrewEndpointConstruct : Construct
{
    public BrewEndpointConstruct(Construct scope, string id, BrewEndpointProps props)
        : base(scope, id)
    {
        var c = props.Config;
        Function = LambdaConstruct.Create(this, "Function", c, props.Names, props.Code, props.Names.BrewEndpointFunction, HandlerNames.BrewEndpoint,
            512, 30, RuntimeEnvironment.BrewEndpoint(c, props.Names));
        props.Bucket.GrantRead(Function);
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
}
