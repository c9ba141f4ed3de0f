using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace HomebrewSync.TestSupport.StateMachine;

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

    /// <summary>
    /// A stage synthesized for its state machine only, once per test run: <c>npx cdk synth</c> of the infra app as built
    /// beside the tests (<c>dotnet run --no-build</c>: no second build racing another test project's), with an empty
    /// Lambda package (the definition does not depend on the package's bytes).
    /// </summary>
    public static CliSynthesis ForStateMachine(string stage, string? configDir = null) =>
        Cache.GetOrAdd($"state-machine|{stage}|{configDir}", _ => new Lazy<CliSynthesis>(() => RunPrebuilt(stage, configDir))).Value;

    private static CliSynthesis Run(string stage, string? owner, string? configDir)
    {
        var publishLambda = stage == "prod" && owner is null && configDir is null;
        var root = RepositoryRoot();
        var args = new List<string> { "cdk", "synth", "-c", "stage=" + stage };
        if (owner is not null)
        {
            args.AddRange(["-c", "owner=" + owner]);
        }
        if (configDir is not null)
        {
            args.AddRange(["-c", "configDir=" + configDir]);
        }
        if (!publishLambda)
        {
            _ = For("prod");
            args.AddRange(["-c", "lambdaPackage=" + Path.Combine(root, "artifacts", "lambda")]);
        }
        return Synthesize(root, args);
    }

    private static CliSynthesis RunPrebuilt(string stage, string? configDir)
    {
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var package = Directory.CreateTempSubdirectory("hbs-empty-package-").FullName;
        DeleteOnExit(package);
        var app = $"dotnet run --no-build -c {configuration} --project {Path.Combine(root, "infra", "HomebrewSync.Infra")}";
        var args = new List<string> { "cdk", "synth", "--app", app, "-c", "stage=" + stage, "-c", "lambdaPackage=" + package };
        if (configDir is not null)
        {
            args.AddRange(["-c", "configDir=" + configDir]);
        }
        return Synthesize(root, args);
    }

    private static CliSynthesis Synthesize(string root, List<string> args)
    {
        var outDir = Path.Combine(Path.GetTempPath(), "hbs-cdk-out-" + Guid.NewGuid().ToString("N"));
        DeleteOnExit(outDir);
        args.InsertRange(2, ["--no-notices", "-q", "-o", outDir]);
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

    private static void DeleteOnExit(string directory) => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { Directory.Delete(directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    };

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
