using System.Diagnostics;
using System.Text.Json.Nodes;

namespace HomebrewSync.Infra.Tests;

/// <summary>scripts/template-summary.mjs, the preview's one-line summary, on templates that differ the ways a change can.</summary>
public sealed class PreviewSummaryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hbs-summary-" + Guid.NewGuid().ToString("N"));

    public PreviewSummaryTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, JsonObject resources)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, new JsonObject { ["Resources"] = resources }.ToJsonString());
        return path;
    }

    private static JsonObject Resource(string type, string path, JsonObject? props = null) =>
        new() { ["Type"] = type, ["Properties"] = props ?? new JsonObject(), ["Metadata"] = new JsonObject { ["aws:cdk:path"] = path } };

    private static string Run(params string[] args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Synthesized.RepositoryRoot(), "scripts", "template-summary.mjs"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }

    [Fact]
    public void Summary_NamesAddedChangedReplacedAndIamChanges()
    {
        var baseFile = Write("base.json", new JsonObject
        {
            ["Bucket"] = Resource("AWS::S3::Bucket", "S/Storage/Bottles/Resource"),
            ["Policy"] = Resource("AWS::IAM::Policy", "S/Worker/DefaultPolicy/Resource", new JsonObject { ["Actions"] = "s3:GetObject" }),
            ["Task"] = Resource("AWS::ECS::TaskDefinition", "S/Compute/Task/Resource", new JsonObject { ["Cpu"] = "1024" }),
        });
        var headFile = Write("head.json", new JsonObject
        {
            ["Bucket"] = Resource("AWS::S3::Bucket", "S/Storage/Bottles/Resource"),
            ["Reports"] = Resource("AWS::S3::Bucket", "S/Storage/Reports/Resource"),
            ["Policy"] = Resource("AWS::IAM::Policy", "S/Worker/DefaultPolicy/Resource", new JsonObject { ["Actions"] = "s3:*" }),
            ["Task"] = Resource("AWS::ECS::TaskDefinition", "S/Compute/Task/Resource", new JsonObject { ["Cpu"] = "2048" }),
        });
        var diff = Path.Combine(_dir, "diff.txt");
        File.WriteAllText(diff, "[~] AWS::ECS::TaskDefinition Compute/Task Task replace\n");

        var output = Run(baseFile, headFile, diff);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Summary: 1 added, 0 removed, 1 replaced, 1 changed; IAM changes: YES; security group changes: no", lines[0]);
        Assert.Contains("  + AWS::S3::Bucket S/Storage/Reports/Resource", lines);
        Assert.Contains("  ~ AWS::IAM::Policy S/Worker/DefaultPolicy/Resource", lines);
        Assert.Contains("  ± AWS::ECS::TaskDefinition S/Compute/Task/Resource (replacement)", lines);
    }

    [Fact]
    public void Summary_SameTemplates_SaysNothingChanged()
    {
        var resources = new JsonObject { ["Bucket"] = Resource("AWS::S3::Bucket", "S/B/Resource") };
        var a = Write("a.json", resources);
        var b = Write("b.json", (JsonObject)resources.DeepClone());

        Assert.Equal("Summary: 0 added, 0 removed, 0 replaced, 0 changed; IAM changes: no; security group changes: no", Run(a, b).Split('\n')[0]);
    }
}
