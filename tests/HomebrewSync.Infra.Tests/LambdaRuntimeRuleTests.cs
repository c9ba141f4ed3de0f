using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using HomebrewSync.Infra.Policies;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace HomebrewSync.Infra.Tests;

/// <summary>LAMBDA-RUNTIME over final templates: the day is always given, never read from the clock.</summary>
public sealed class LambdaRuntimeRuleTests
{
    private static readonly DateOnly Node20Deprecated = new(2026, 4, 30);
    private static readonly DateOnly Today = new(2026, 11, 29);

    private static JsonObject Template(params (string Id, string? Runtime)[] functions)
    {
        var resources = new JsonObject
        {
            ["Bucket"] = new JsonObject { ["Type"] = "AWS::S3::Bucket", ["Properties"] = new JsonObject { ["BucketName"] = "nodejs20.x" } },
        };
        foreach (var (id, runtime) in functions)
        {
            var properties = new JsonObject { ["Handler"] = "index.handler" };
            if (runtime is not null)
            {
                properties["Runtime"] = runtime;
            }
            else
            {
                properties["PackageType"] = "Image";
            }
            resources[id] = new JsonObject { ["Type"] = "AWS::Lambda::Function", ["Properties"] = properties };
        }
        return new JsonObject { ["Resources"] = resources };
    }

    [Fact]
    public void NodeJs20_FromItsDeprecationDate_IsReported_NamingTheFunctionAndTheDate()
    {
        var template = Template(("AutoDeleteProvider", "nodejs20.x"), ("Orchestrator", "dotnet10"));
        Assert.Equal(Node20Deprecated, LambdaRuntimes.Deprecated["nodejs20.x"]);

        Assert.Empty(TemplateChecks.Check(template, Node20Deprecated.AddDays(-1)));
        foreach (var day in new[] { Node20Deprecated, Today })
        {
            var error = Assert.Single(TemplateChecks.Check(template, day));
            Assert.Equal("AutoDeleteProvider: [LAMBDA-RUNTIME] runtime nodejs20.x was deprecated on 2026-04-30; AWS blocks creating functions on it soon after", error);
        }
    }

    [Fact]
    public void RuntimeMissingFromTheTable_IsReported_WhateverTheDay()
    {
        var template = Template(("Newer", "nodejs26.x"), ("Custom", "provided.al2023"), ("Ours", "dotnet10"));

        foreach (var day in new[] { new DateOnly(2020, 1, 1), Today })
        {
            var errors = TemplateChecks.Check(template, day);
            Assert.Equal(2, errors.Count);
            Assert.Contains("Newer: [LAMBDA-RUNTIME] runtime nodejs26.x is not in the table of Lambda runtimes (Policies/LambdaRuntimes.cs); add it with its deprecation date", errors);
            Assert.Contains(errors, e => e.StartsWith("Custom: [LAMBDA-RUNTIME] runtime provided.al2023 is not in the table", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ImageFunctions_AndOtherResources_AreNotRuntimeChecked()
    {
        Assert.Empty(TemplateChecks.Check(Template(("FromImage", null)), Today));
    }

    [Fact]
    public void RuntimeFromAMapping_IsCheckedForEveryName_AndOneTheTemplateCannotName_IsReported()
    {
        var template = Template(("Mapped", "placeholder"), ("FromParameter", "placeholder"));
        template["Resources"]!["Mapped"]!["Properties"]!["Runtime"] = JsonNode.Parse("""{"Fn::FindInMap":["LatestNodeRuntimeMap",{"Ref":"AWS::Region"},"value"]}""");
        template["Resources"]!["FromParameter"]!["Properties"]!["Runtime"] = JsonNode.Parse("""{"Ref":"RuntimeParameter"}""");
        template["Mappings"] = JsonNode.Parse("""{"LatestNodeRuntimeMap":{"us-east-1":{"value":"nodejs24.x"},"cn-north-1":{"value":"nodejs20.x"}}}""");

        var errors = TemplateChecks.Check(template, Today);

        Assert.Equal(2, errors.Count);
        Assert.Contains("Mapped: [LAMBDA-RUNTIME] runtime nodejs20.x was deprecated on 2026-04-30; AWS blocks creating functions on it soon after", errors);
        Assert.Contains(errors, e => e.StartsWith("FromParameter: [LAMBDA-RUNTIME] runtime {\"Ref\":\"RuntimeParameter\"} cannot be read", StringComparison.Ordinal));
        template["Mappings"]!["LatestNodeRuntimeMap"]!["cn-north-1"]!["value"] = "nodejs24.x";
        Assert.Single(TemplateChecks.Check(template, Today));
    }

    [Fact]
    public void CdkOwnAutoDeleteProvider_IsReportedOnNodeJs20_UntilNodeRuntimeUpgradeMovesIt()
    {
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1");
        JsonObject Synthesize(bool upgrade)
        {
            var app = new App();
            var stack = new Stack(app, "RuntimeTest");
            new Bucket(stack, "Scratch", new BucketProps { RemovalPolicy = RemovalPolicy.DESTROY, AutoDeleteObjects = true });
            new LambdaFunction(stack, "Legacy", new FunctionProps { Runtime = Runtime.NODEJS_20_X, Handler = "index.handler", Code = Code.FromInline("exports.handler = async () => 1;") });
            if (upgrade)
            {
                Aspects.Of(stack).Add(new NodeRuntimeUpgrade());
            }
            return JsonNode.Parse(File.ReadAllText(app.Synth().GetStackByName("RuntimeTest").TemplateFullPath))!.AsObject();
        }

        var before = TemplateChecks.Check(Synthesize(upgrade: false), Today);
        var after = TemplateChecks.Check(Synthesize(upgrade: true), Today);

        Assert.Equal(2, before.Count);
        // In a stack with no region CDK picks the provider's runtime with a Fn::FindInMap: every name the mapping holds is checked.
        Assert.Contains(before, e => e.StartsWith("CustomS3AutoDeleteObjectsCustomResourceProviderHandler", StringComparison.Ordinal) && e.Contains("nodejs20.x was deprecated", StringComparison.Ordinal));
        Assert.Contains(before, e => e.StartsWith("Legacy", StringComparison.Ordinal));
        // The aspect moves CDK's own provider only; a function someone declares on nodejs20.x is still refused.
        Assert.StartsWith("Legacy", Assert.Single(after), StringComparison.Ordinal);
    }
}
