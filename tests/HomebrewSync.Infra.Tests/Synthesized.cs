using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Infra;

// jsii's runtime is one Node.js process per test run and is not thread-safe.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace HomebrewSync.Infra.Tests;

/// <summary>One synthesis of a stage, shared by a test class (CDK synthesis starts Node.js: once per class, not per assertion).</summary>
public abstract class Synthesized
{
    protected Synthesized(string stage, string? owner = null, string? configDir = null)
    {
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1");
        var package = Path.Combine(Path.GetTempPath(), "hbs-infra-lambda-package");
        Directory.CreateDirectory(package);
        File.WriteAllText(Path.Combine(package, "HomebrewSync.Lambda.dll"), "placeholder: tests synthesize without publishing");
        var context = new Dictionary<string, object>
        {
            ["stage"] = stage,
            ["lambdaPackage"] = package,
            // Templates only: no copies of the Lambda package or the image context.
            ["aws:cdk:disable-asset-staging"] = true,
        };
        if (owner is not null)
        {
            context["owner"] = owner;
        }
        if (configDir is not null)
        {
            context["configDir"] = configDir;
        }
        var root = RepositoryRoot();
        var (_, stack) = InfraApp.Build(context, root);
        Template = Template.FromStack(stack);
        var annotations = Annotations.FromStack(stack);
        Errors = annotations.FindError("*", Match.AnyValue()).Select(m => m.Entry.Data?.ToString() ?? "").ToArray();
        Suppressed = annotations.FindInfo("*", Match.StringLikeRegexp("suppressed")).Select(m => m.Entry.Data?.ToString() ?? "").ToArray();
        Json = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Template.ToJSON()))!.AsObject();
        Config = DeploymentConfigLoader.Load(configDir ?? Path.Combine(root, "config"), stage);
        Names = new DeploymentNames(stage, owner, Config);
    }

    public Template Template { get; }

    /// <summary>Policy violations (error annotations) of the stack.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Suppressed policy findings, with their reasons.</summary>
    public IReadOnlyList<string> Suppressed { get; }
    public JsonObject Json { get; }
    public DeploymentConfig Config { get; }
    public DeploymentNames Names { get; }

    /// <summary>Resources of a type, as JSON.</summary>
    public IReadOnlyList<JsonObject> Resources(string type) =>
        Json["Resources"]!.AsObject().Select(kv => kv.Value!.AsObject()).Where(r => r["Type"]!.GetValue<string>() == type).ToArray();

    public JsonObject Single(string type) => Assert.Single(Resources(type));

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HomebrewSync.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no repository root");
    }
}

public sealed class ProdStack() : Synthesized("prod");

public sealed class DevStack() : Synthesized("dev");

public sealed class AliceStack() : Synthesized("dev", "alice");
