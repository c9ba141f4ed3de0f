using System.Text.RegularExpressions;

namespace HomebrewSync.Core.Tests.Architecture;

/// <summary>One concept per file: a runtime source file declares one public top-level type, named as the file.</summary>
public sealed partial class SourceLayoutTests
{
    /// <summary>Files that hold the shape of one document or one message, type by type, read best together.</summary>
    private static readonly HashSet<string> OneDocumentEach = new(StringComparer.Ordinal)
    {
        "HomebrewSync.Contracts/Deployment/DeploymentConfig.cs", // config/<stage>.json and its brew_endpoint section
        "HomebrewSync.Contracts/StateMachine/Payloads.cs", // the state machine's payloads
        "HomebrewSync.Contracts/SyncPlan.cs", // the saved plan document
        "HomebrewSync.Core/Api/ApiFileResult.cs", // a result and its status
        "HomebrewSync.Core/Catalog/Formula.cs", // a catalog entry and its bottle files
        "HomebrewSync.Core/Notifications/SlackMessage.cs", // Slack's block kit
        "HomebrewSync.Core/Registry/OciImageIndex.cs", // the OCI image index and its entries
        "HomebrewSync.Core/Verification/MirrorVerifier.cs", // verify and its report
    };

    [Fact]
    public void RuntimeFiles_DeclareOnePublicTypeEach_NamedAsTheFile()
    {
        var runtime = Path.Combine(RepositoryPaths.Root(), "runtime");
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(runtime, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(runtime, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal) || OneDocumentEach.Contains(relative))
            {
                continue;
            }
            var types = TopLevelPublicType().Matches(File.ReadAllText(file)).Select(m => m.Groups["name"].Value).ToArray();
            if (types.Length > 1 || (types.Length == 1 && types[0] != Path.GetFileNameWithoutExtension(file)))
            {
                offenders.Add($"{relative}: {string.Join(", ", types)}");
            }
        }

        Assert.True(offenders.Count == 0, "Files declaring other public types than their own: " + string.Join("; ", offenders));
    }

    [Fact]
    public void TheCheck_SeesASecondType()
    {
        const string Source = "namespace X;\n\npublic sealed class Planner\n{\n    public sealed class Nested;\n}\n\npublic sealed record PlanReport(int Count);\n";

        Assert.Equal(["Planner", "PlanReport"], TopLevelPublicType().Matches(Source).Select(m => m.Groups["name"].Value));
    }

    [GeneratedRegex(@"^public\s+(?:(?:sealed|static|abstract|partial|readonly)\s+)*(?:class|record\s+struct|record|struct|interface|enum)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelPublicType();
}
