
namespace HomebrewSync.Cli.Tests;

/// <summary>--help is generated from the option table, and the README shows exactly what --help prints.</summary>
public sealed class HelpTextTests
{
    [Fact]
    public void Help_NamesEveryOptionWithTheEnvironmentVariableItReads()
    {
        var help = CliOptions.HelpText(null);

        foreach (var spec in CliOptions.Specs)
        {
            var line = help.Split('\n').Select((l, i) => (l, i)).First(x => x.l.TrimStart().StartsWith(spec.Name + " ", StringComparison.Ordinal) || x.l.Trim() == spec.Name || x.l.TrimStart().StartsWith(spec.Name + "\r", StringComparison.Ordinal));
            // Long option columns continue on the next line, which still ends with the variable.
            var text = line.l + help.Split('\n')[line.i + 1];
            if (spec.EnvVar is not null)
            {
                Assert.Contains($"[{spec.EnvVar}]", text, StringComparison.Ordinal);
            }
        }
        var named = help.Split('\n').Select(l => l.TrimStart()).Where(l => l.StartsWith("--", StringComparison.Ordinal)).Select(l => l.Split(' ')[0].TrimEnd('\r')).ToArray();
        Assert.All(named, n => Assert.True(n == "--help" || n == "--version" || CliOptions.Specs.Any(s => s.Name == n), $"{n} is in --help but not in the option table"));
    }

    [Fact]
    public async Task Readme_ShowsTheHelpTheCommandPrints()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root(), "README.md"));
        var start = readme.IndexOf("```\nhomebrew-sync: keep a verified", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no help block");
        var block = readme[(start + 4)..readme.IndexOf("\n```", start + 4, StringComparison.Ordinal)] + "\n";

        var run = await CliHarness.RunAsync(new Dictionary<string, string?>(), "--help");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Equal(run.Out.Replace("\r\n", "\n", StringComparison.Ordinal), block);
    }
}
