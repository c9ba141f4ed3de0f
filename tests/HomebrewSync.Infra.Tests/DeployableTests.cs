using System.Diagnostics;
using System.Text.Json.Nodes;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Core.Pipeline;

namespace HomebrewSync.Infra.Tests;

/// <summary>
/// Prod, dev and a per-developer stack, each synthesized by the CDK CLI from the committed context with no AWS
/// credentials, then checked by the two independent validators the README names: cdk-nag's AwsSolutions pack and
/// cfn-lint, with the accepted findings in infra/policy-suppressions.json.
/// </summary>
public sealed class DeployableTests(ProdStack prod, DevStack dev, AliceStack alice) : IClassFixture<ProdStack>, IClassFixture<DevStack>, IClassFixture<AliceStack>
{
    private IEnumerable<Synthesized> Stages => [prod, dev, alice];

    [Fact]
    public void EveryStage_SynthesizesThroughTheCdkCli_WithoutAwsCredentials()
    {
        foreach (var stage in Stages)
        {
            Assert.True(File.Exists(Path.Combine(stage.Synthesis.OutDir, stage.Names.StackName + ".template.json")), stage.Names.StackName);
            // The availability zones come from the committed cdk.context.json, not a lookup.
            var zones = stage.Resources("AWS::EC2::Subnet").Select(s => s["Properties"]!["AvailabilityZone"]!.GetValue<string>()).Distinct().Order().ToArray();
            Assert.True(zones.Length is 0 or 2, string.Join(",", zones));
            Assert.All(zones, z => Assert.StartsWith(stage.Config.AwsRegion, z, StringComparison.Ordinal));
        }
        // The prod synth published the Lambda package itself, as a deploy does.
        Assert.True(File.Exists(Path.Combine(Synthesized.RepositoryRoot(), "artifacts", "lambda", "HomebrewSync.Lambda.dll")));
    }

    [Fact]
    public void CdkNagAndCfnLint_ReportNoErrors_OnEveryStage()
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = Synthesized.RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("scripts/validate-templates.sh");
        foreach (var stage in Stages)
        {
            start.ArgumentList.Add(stage.Synthesis.OutDir);
        }

        var (exit, output) = CliSynthesis.Run(start, TimeSpan.FromMinutes(10));

        Assert.True(exit == 0, output);
        Assert.Contains("Total: 0 error(s), 0 warning(s),", output, StringComparison.Ordinal);
        Assert.Contains("cfn-lint total: 0 error(s), 0 warning(s), 0 informational,", output, StringComparison.Ordinal);
        Assert.Equal(2, output.Split('\n').Count(l => l.EndsWith("0 unused suppression(s) in 3 template(s)", StringComparison.Ordinal)));
        Assert.Equal(3, output.Split('\n').Count(l => l.StartsWith("### cfn-lint ", StringComparison.Ordinal)));
        // What cfn-lint finds and we accept is in the reviewed file, with its reason, not ignored on the command line.
        Assert.Contains(output.Split('\n'), l => l.StartsWith("SUPPRESSED W3005 ", StringComparison.Ordinal) && l.Contains("policy-suppressions.json cfnLintSuppressions[", StringComparison.Ordinal));
        Assert.DoesNotContain(" -i ", File.ReadAllText(Path.Combine(Synthesized.RepositoryRoot(), "scripts", "validate-templates.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public void CfnLint_WarningNotInTheSuppressionFile_FailsTheValidation()
    {
        var dir = Directory.CreateTempSubdirectory("hbs-lint-");
        try
        {
            var template = JsonNode.Parse(prod.Synthesis.TemplateText)!.AsObject();
            template["Parameters"]!["NothingUsesThis"] = new JsonObject { ["Type"] = "String" };
            var file = Path.Combine(dir.FullName, prod.Names.StackName + ".template.json");
            File.WriteAllText(file, template.ToJsonString());
            var start = new ProcessStartInfo("node") { WorkingDirectory = Synthesized.RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "scripts/lint-templates.js", "-s", "infra/policy-suppressions.json", file + "@" + prod.Config.AwsRegion })
            {
                start.ArgumentList.Add(a);
            }

            var (exit, output) = CliSynthesis.Run(start, TimeSpan.FromMinutes(2));

            Assert.True(exit == 1, output);
            Assert.Contains("WARNING W2001 Parameters/NothingUsesThis", output, StringComparison.Ordinal);
            Assert.Contains("cfn-lint total: 0 error(s), 1 warning(s),", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void NoFunctionInAnyStage_RunsOnADeprecatedRuntime()
    {
        var today = new DateOnly(2026, 11, 29);
        foreach (var stage in Stages)
        {
            Assert.Empty(Policies.TemplateChecks.Check(stage.Json, today));
            // CDK's own auto-delete provider (dev and per-developer buckets) included.
            Assert.All(stage.Resources("AWS::Lambda::Function"), f => Assert.Null(Policies.LambdaRuntimes.Problem(f["Properties"]!["Runtime"]!.GetValue<string>(), today)));
        }
        Assert.Contains(dev.Resources("AWS::Lambda::Function"), f => f["Properties"]!["Runtime"]!.GetValue<string>().StartsWith("nodejs", StringComparison.Ordinal));
    }

    /// <summary>Keys the mirror must keep for as long as the hash file or brew may name them.</summary>
    private static readonly string[] KeptKeys =
    [
        BottleNaming.ObjectKey(new DateOnly(2025, 1, 5), BottleNaming.FileName("wget", "1.24.5", "arm64_sonoma", 0)),
        BottleNaming.ObjectKey(new DateOnly(2026, 11, 29), BottleNaming.FileName("python@3.12", "3.12.7", "all", 1)),
        ProductInfo.HashFileName,
        BottleNaming.IndexKey("python@3.12", "3.12.7_1"),
        ApiMirror.StorePrefix + "formula.jws.json",
        RunStatus.Key,
    ];

    [Fact]
    public void NoLifecycleRule_CanExpireABottleTheHashFileListsOrAnythingBrewReads()
    {
        foreach (var stage in Stages)
        {
            var rules = stage.Single("AWS::S3::Bucket")["Properties"]!["LifecycleConfiguration"]!["Rules"]!.AsArray().Select(r => r!.AsObject()).ToArray();
            foreach (var rule in rules.Where(r => r["ExpirationInDays"] is not null || r["ExpirationDate"] is not null))
            {
                var prefix = rule["Prefix"]?.GetValue<string>() ?? rule["Filter"]?["Prefix"]?.GetValue<string>() ?? "";
                Assert.False(prefix.Length == 0, $"{stage.Names.StackName}: rule {rule["Id"]} expires every key");
                Assert.DoesNotContain(KeptKeys, k => k.StartsWith(prefix, StringComparison.Ordinal));
            }
            // What does expire is the saved plans.
            Assert.Contains(rules, r => r["Prefix"]?.GetValue<string>() == PlanRepository.Prefix && r["ExpirationInDays"] is not null);
        }
    }
}
