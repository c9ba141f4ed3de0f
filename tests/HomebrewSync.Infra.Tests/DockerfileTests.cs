namespace HomebrewSync.Infra.Tests;

/// <summary>The ECS task's Dockerfile, read as text (no Docker engine here): what makes it build anywhere for X86_64.</summary>
public sealed class DockerfileTests
{
    /// <summary>The instructions of each stage, continuation lines joined, comments left out.</summary>
    private static List<List<string>> Stages()
    {
        var text = File.ReadAllText(Path.Combine(Synthesized.RepositoryRoot(), "runtime", "HomebrewSync.Cli", "Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal);
        var stages = new List<List<string>>();
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                stages.Add([]);
            }
            stages[^1].Add(line);
        }
        return stages;
    }

    [Fact]
    public void BuildStage_RunsOnTheBuildersPlatform_AndCrossPublishesForLinuxX64_WhileTheFinalStageOnlyInstallsGit()
    {
        var stages = Stages();

        Assert.Equal(2, stages.Count);
        // An arm64 machine runs its own SDK; what it publishes is for the task's X86_64.
        Assert.StartsWith("FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:", stages[0][0], StringComparison.Ordinal);
        Assert.Contains(stages[0], l => l.StartsWith("RUN dotnet publish ", StringComparison.Ordinal) && l.Contains(" -r linux-x64 ", StringComparison.Ordinal)
            // The project publishes a native executable by default; Native AOT does not cross-compile, so the image takes the managed build.
            && l.Contains(" -p:PublishAot=false ", StringComparison.Ordinal));
        // The final stage takes the target platform (linux/amd64, from the CDK image asset) and executes one command in it:
        // git, for brew's repository (BREW_GIT_REMOTE_URL), installed as root before the unprivileged user takes over.
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:", stages[1][0], StringComparison.Ordinal);
        var run = Assert.Single(stages[1], l => l.StartsWith("RUN ", StringComparison.Ordinal));
        Assert.Contains("apt-get install -y --no-install-recommends git ", run, StringComparison.Ordinal);
        Assert.True(stages[1].IndexOf(run) < stages[1].FindIndex(l => l.StartsWith("USER ", StringComparison.Ordinal)));
        Assert.Contains(stages[1], l => l.StartsWith("COPY --from=build --chown=$APP_UID:$APP_UID ", StringComparison.Ordinal) && l.EndsWith(" /tmp/bottles", StringComparison.Ordinal));
        Assert.Contains(stages[1], l => l.Contains("TEMP_DIR=/tmp/bottles", StringComparison.Ordinal));
        Assert.Equal("USER $APP_UID", stages[1].Single(l => l.StartsWith("USER ", StringComparison.Ordinal)));
    }
}
