using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using HomebrewSync.Contracts.Deployment;

// jsii's runtime (Template assertions, the policy-pack tests) is one Node.js process per test run and is not thread-safe.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace HomebrewSync.Infra.Tests;

/// <summary>
/// One stage synthesized the way a deploy does it: <c>npx cdk synth</c> through the pinned CDK CLI, which runs the app
/// from cdk.json with the committed context, with no AWS credentials. Each (stage, owner, config) is synthesized
/// once per test run and shared (CDK synthesis starts .NET and Node.js: once, not once per assertion).
/// </summary>
public abstract class Synthesized
{
    protected Synthesized(string stage, string? owner = null, string? configDir = null)
    {
        Synthesis = CliSynthesis.For(stage, owner, configDir);
        Template = Template.FromString(Synthesis.TemplateText);
        Json = JsonNode.Parse(Synthesis.TemplateText)!.AsObject();
        var root = RepositoryRoot();
        Config = DeploymentConfigLoader.Load(configDir ?? Path.Combine(root, "config"), stage, owner);
        Names = new DeploymentNames(stage, owner, Config);
    }

    public CliSynthesis Synthesis { get; }

    public Template Template { get; }

    /// <summary>Suppressed policy findings, with their reasons (the info annotations in the cloud assembly).</summary>
    public IReadOnlyList<string> Suppressed => Synthesis.Suppressed;

    public JsonObject Json { get; }
    public DeploymentConfig Config { get; }
    public DeploymentNames Names { get; }

    /// <summary>Resources of a type, as JSON.</summary>
    public IReadOnlyList<JsonObject> Resources(string type) =>
        Json["Resources"]!.AsObject().Select(kv => kv.Value!.AsObject()).Where(r => r["Type"]!.GetValue<string>() == type).ToArray();

    public JsonObject Single(string type) => Assert.Single(Resources(type));

    /// <summary>The resources of a type by their logical id.</summary>
    public IReadOnlyDictionary<string, JsonObject> ResourcesById(string type) =>
        Json["Resources"]!.AsObject().Where(kv => kv.Value!["Type"]!.GetValue<string>() == type).ToDictionary(kv => kv.Key, kv => kv.Value!.AsObject(), StringComparer.Ordinal);

    public static string RepositoryRoot() => CliSynthesis.RepositoryRoot();
}

/// <summary>Prod, synthesized the way <c>npx cdk deploy -c stage=prod</c> does it, Lambda package published included.</summary>
public sealed class ProdStack() : Synthesized("prod");

public sealed class DevStack() : Synthesized("dev");

public sealed class AliceStack() : Synthesized("dev", "alice");
