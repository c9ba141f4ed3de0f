using System.Diagnostics;
using Amazon.CDK;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra;

/// <summary>Builds the CDK app from its context: <c>-c stage=prod|dev</c>, <c>-c owner=NAME</c> (a per-developer stack), <c>-c lambdaPackage=DIR</c>.</summary>
public static class InfraApp
{
    public static (App App, HomebrewSyncStack Stack) Build(IDictionary<string, object>? context = null, string? repositoryRoot = null)
    {
        var app = new App(new AppProps { Context = context });
        var root = repositoryRoot ?? FindRepositoryRoot();
        var stage = app.Node.TryGetContext("stage") as string ?? "dev";
        var owner = app.Node.TryGetContext("owner") as string;
        if (owner is not null && !DeploymentNames.IsValidOwner(owner))
        {
            throw new SettingsException([$"owner: '{owner}' must be 2-20 lower-case letters, digits or '-', starting with a letter"]);
        }
        if (!File.Exists(Path.Combine(root, "config", stage + ".json")))
        {
            throw new SettingsException([$"stage: no config/{stage}.json (stages: {string.Join(", ", Directory.GetFiles(Path.Combine(root, "config"), "*.json").Select(Path.GetFileNameWithoutExtension))})"]);
        }
        var configDir = app.Node.TryGetContext("configDir") as string ?? Path.Combine(root, "config");
        var config = DeploymentConfigLoader.Load(configDir, stage, owner);
        var names = new DeploymentNames(stage, owner, config);
        string? apiKey = null;
        if (config.ApiPublicKeyFile.Length > 0)
        {
            var keyPath = Path.Combine(root, config.ApiPublicKeyFile);
            apiKey = File.Exists(keyPath)
                ? File.ReadAllText(keyPath)
                : throw new SettingsException([$"api_public_key_file: {keyPath} does not exist; copy brew's Library/Homebrew/api/homebrew-1.pem there (README: Deploying)"]);
        }
        var package = app.Node.TryGetContext("lambdaPackage") as string ?? PublishLambda(root);
        var stack = new HomebrewSyncStack(app, names.StackName, new HomebrewSyncStackProps
        {
            Config = config,
            Names = names,
            LambdaPackage = package,
            RepositoryRoot = root,
            ApiPublicKeyPem = apiKey,
            Env = new Amazon.CDK.Environment { Account = config.AwsAccount, Region = config.AwsRegion },
            Description = $"homebrew-sync {stage}{(owner is null ? "" : " for " + owner)}: a verified mirror of Homebrew bottles",
        });
        return (app, stack);
    }

    /// <summary>The Lambda deployment package: <c>dotnet publish</c> of the runtime's Lambda project.</summary>
    private static string PublishLambda(string root)
    {
        var output = Path.Combine(root, "artifacts", "lambda");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        // A build tree of its own (--artifacts-path): the package never depends on, or disturbs, what a developer or
        // the tests built in the projects' bin and obj folders.
        var build = Path.Combine(root, "artifacts", "lambda-build");
        foreach (var a in new[] { "publish", Path.Combine(root, "runtime", "HomebrewSync.Lambda", "HomebrewSync.Lambda.csproj"), "-c", "Release", "--artifacts-path", build, "-o", output, "--nologo", "-v", "quiet", "-p:DebugType=None", "-p:ContinuousIntegrationBuild=true" })
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"dotnet publish of the Lambda package failed:\n{stdout}{stderr}");
    }

    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HomebrewSync.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Run from inside the repository (no HomebrewSync.sln above the current folder)");
    }
}
