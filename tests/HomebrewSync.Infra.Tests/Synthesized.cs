using System.Collections.Concurrent;
using System.Diagnostics;
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

/// <summary>The outcome of one <c>npx cdk synth</c>: the cloud assembly directory, the stack's template, the CLI's output.</summary>
public sealed class CliSynthesis
{
    private CliSynthesis(string outDir, string templateText, IReadOnlyList<string> suppressed, string output)
    {
        OutDir = outDir;
        TemplateText = templateText;
        Suppressed = suppressed;
        Output = output;
    }

    public string OutDir { get; }
    public string TemplateText { get; }
    public IReadOnlyList<string> Suppressed { get; }
    public string Output { get; }

    private static readonly ConcurrentDictionary<string, Lazy<CliSynthesis>> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The synthesis of a stage, run once per test run. Prod's is exactly <c>npx cdk synth -c stage=prod</c>, which
    /// publishes the Lambda package as a deploy does; the others reuse that package (<c>-c lambdaPackage=artifacts/lambda</c>,
    /// the option the README gives for it).
    /// </summary>
    public static CliSynthesis For(string stage, string? owner = null, string? configDir = null) =>
        Cache.GetOrAdd($"{stage}|{owner}|{configDir}", _ => new Lazy<CliSynthesis>(() => Run(stage, owner, configDir))).Value;

    private static CliSynthesis Run(string stage, string? owner, string? configDir)
    {
        var publishLambda = stage == "prod" && owner is null && configDir is null;
        var root = Synthesized.RepositoryRoot();
        var outDir = Path.Combine(Path.GetTempPath(), "hbs-cdk-out-" + Guid.NewGuid().ToString("N"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(outDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        var args = new List<string> { "cdk", "synth", "--no-notices", "-q", "-o", outDir, "-c", "stage=" + stage };
        if (owner is not null)
        {
            args.AddRange(["-c", "owner=" + owner]);
        }
        if (configDir is not null)
        {
            args.AddRange(["-c", "configDir=" + configDir]);
        }
        var package = Path.Combine(root, "artifacts", "lambda");
        if (!publishLambda)
        {
            _ = For("prod");
            args.AddRange(["-c", "lambdaPackage=" + package]);
        }
        var (exit, output) = Npx(root, args);
        if (exit != 0)
        {
            throw new InvalidOperationException($"npx {string.Join(' ', args)} exited {exit}:\n{output}");
        }
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")))!.AsObject();
        var stackArtifact = manifest["artifacts"]!.AsObject().Single(a => a.Value!["type"]!.GetValue<string>() == "aws:cloudformation:stack").Value!;
        var template = File.ReadAllText(Path.Combine(outDir, stackArtifact["properties"]!["templateFile"]!.GetValue<string>()));
        var suppressed = (stackArtifact["metadata"]?.AsObject() ?? [])
            .SelectMany(kv => kv.Value!.AsArray())
            .Where(e => e!["type"]!.GetValue<string>() == "aws:cdk:info")
            .Select(e => e!["data"]!.ToString())
            .Where(d => d.Contains("suppressed:", StringComparison.Ordinal))
            .ToArray();
        return new CliSynthesis(outDir, template, suppressed, output);
    }

    /// <summary>Runs npx in the repository with no AWS credentials or profile: synthesis must not need them.</summary>
    public static (int ExitCode, string Output) Npx(string root, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("npx") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var k in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("CDK_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(k);
        }
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
        // No instance metadata lookups for credentials either.
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1";
        return Run(start, TimeSpan.FromMinutes(5));
    }

    public static (int ExitCode, string Output) Run(ProcessStartInfo start, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(start);
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not end within {limit}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>Prod, synthesized the way <c>npx cdk deploy -c stage=prod</c> does it, Lambda package published included.</summary>
public sealed class ProdStack() : Synthesized("prod");

public sealed class DevStack() : Synthesized("dev");

public sealed class AliceStack() : Synthesized("dev", "alice");
