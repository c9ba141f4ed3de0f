using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

/// <summary>What every function construct of the stack is given: the stage's config and names, the mirror's bucket and the package.</summary>
public abstract class FunctionConstructProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required IBucket Bucket { get; init; }

    /// <summary>The Lambda package (<c>dotnet publish runtime/HomebrewSync.Lambda</c>), shared by every function of the stack.</summary>
    public required Code Code { get; init; }
}
