using HomebrewSync.Contracts;

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
    public void Help_ShowsEachDefinitionsLine_WithItsDefault()
    {
        var help = CliOptions.HelpText(null).Replace("\r\n", "\n", StringComparison.Ordinal);
        // A long option column moves the text to the next line: one line per entry either way.
        var lines = help.Replace("\n" + new string(' ', 29), " ", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).ToArray();

        foreach (var setting in Settings.All.Where(s => s.HelpText.Length > 0))
        {
            if (setting.Option is { } option)
            {
                var left = setting.ValueName is null ? option : $"{option} {setting.ValueName}";
                Assert.Contains(lines, l => l.StartsWith(left + " ", StringComparison.Ordinal) && l.EndsWith($" {setting.HelpText} [{setting.EnvVar}]", StringComparison.Ordinal));
                var spec = CliOptions.Specs.Single(s => s.Name == option);
                Assert.Equal((setting.EnvVar, setting.FlagValue), (spec.EnvVar, spec.FlagValue));
            }
            else
            {
                // Two variables described together share a line ("SLACK_CHANNEL, SLACK_USERNAME"): the first holds the help.
                Assert.Contains(lines, l => (l.StartsWith(setting.EnvVar + " ", StringComparison.Ordinal) || l.StartsWith(setting.EnvVar + ", ", StringComparison.Ordinal))
                    && l.EndsWith(" " + setting.HelpText, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void EveryVariableThatHelpNames_IsDefinedOnceAndNamedOnce()
    {
        var defined = Settings.All.Where(s => s.HelpText.Length > 0).Select(s => s.EnvVar).ToHashSet(StringComparer.Ordinal);
        var options = CliOptions.Specs.Where(s => s.EnvVar is not null && defined.Contains(s.EnvVar)).ToArray();
        var envOnly = CliOptions.EnvOnly.Select(e => e.Name.Split(", ")[0]).Where(defined.Contains).ToArray();

        // Each defined variable appears in --help exactly once: as its option or in "Environment only".
        Assert.Equal(defined.Order(StringComparer.Ordinal), options.Select(s => s.EnvVar!).Concat(envOnly).Order(StringComparer.Ordinal));
        // And every option bound to a variable is its definition's, word for word: no second help text.
        Assert.All(CliOptions.Specs.Where(s => s.EnvVar is not null), spec =>
            Assert.Contains(Settings.All, d => d.Option == spec.Name && d.EnvVar == spec.EnvVar && d.ValueName == spec.ValueName && d.HelpText == spec.Help));
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
