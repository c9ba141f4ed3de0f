using HomebrewSync.TestSupport;

namespace HomebrewSync.Cli.Tests;

/// <summary>A catalog that lists one formula twice, or carries a huge or wrong-typed entry, through the CLI as its own process.</summary>
public sealed class CatalogSafetyTests
{
    [Fact]
    public async Task Plan_HugeFormulaEntry_IsSkippedWithAWarning_AndTheOthersArePlanned()
    {
        // ~50 MB of caveats and dependencies in one entry; the real largest entry is tens of KB.
        var huge = new FormulaBuilder("huge").WithBottle("monterey", 800).WithNoise(50 * 1024 * 1024).Build();
        var before = new FormulaBuilder("before").WithBottle("monterey", 800).Build();
        var after = new FormulaBuilder("after").WithBottle("monterey", 800).Build();
        await using var h = await CliHarness.StartAsync([before, huge, after]);

        var plan = await CliProcess.RunAsync(h.Environment(), "plan", "--platform", "monterey", "--json");

        Assert.True(plan.ExitCode == 0, $"exit {plan.ExitCode}: {plan.Error}");
        Assert.Matches(@"warning: catalog entry skipped: entry 2 \(huge\): [0-9,]+ bytes, more than the 1,048,576 one formula may take", plan.Error);
        Assert.Contains("\"bottles\": 2", plan.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("huge-", plan.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_FieldOfTheWrongJsonType_SkipsThatFormulaOnly()
    {
        var curl = new FormulaBuilder("curl").WithBottle("monterey", 800).Build();
        var jq = new FormulaBuilder("jq").WithBottle("monterey", 800).Build();
        await using var h = await CliHarness.StartAsync([curl, jq]);
        var catalog = System.Text.Encoding.UTF8.GetString(CatalogWriter.ToBytes([curl, jq], h.Server.RegistryPort));
        // jq's stable version becomes a number, curl stays as it is.
        var jqAt = catalog.IndexOf("\"name\":\"jq\"", StringComparison.Ordinal);
        var broken = catalog[..jqAt] + catalog[jqAt..].Replace("\"stable\":\"1.0.0\"", "\"stable\":5", StringComparison.Ordinal);
        Assert.NotEqual(catalog, broken);
        h.Server.SetCatalogBody(System.Text.Encoding.UTF8.GetBytes(broken));

        var sync = await CliProcess.RunAsync(h.Environment(), "sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(sync.ExitCode == 0, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("warning: catalog entry skipped: entry 2 (jq): $.versions.stable has the wrong JSON type", sync.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(h.PathOf("2025-07-21/curl-1.0.0.monterey.bottle.tar.gz")));
        Assert.False(File.Exists(h.PathOf("2025-07-21/jq-1.0.0.monterey.bottle.tar.gz")));
    }
}
