using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace HomebrewSync.Infra.Policies;

/// <summary>
/// Moves CDK 2.160's own custom-resource provider functions (the S3 auto-delete of dev and per-developer buckets)
/// off nodejs20.x, deprecated on 2026-04-30, to a supported Node.js: their handlers use the AWS SDK v3 the runtime
/// carries and run unchanged. A newer CDK does this itself but needs a Constructs this project cannot restore.
/// </summary>
public sealed class NodeRuntimeUpgrade : DeputyBase, IAspect
{
    public void Visit(IConstruct node)
    {
        if (node is CustomResourceProviderBase provider && provider.Node.TryFindChild("Handler") is CfnResource handler)
        {
            handler.AddPropertyOverride("Runtime", LambdaRuntimes.SupportedNode);
        }
    }
}
