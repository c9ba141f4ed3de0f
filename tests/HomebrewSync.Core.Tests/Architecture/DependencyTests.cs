using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace HomebrewSync.Core.Tests.Architecture;

/// <summary>Contracts &lt;- Core &lt;- adapters &lt;- hosts, one way: Core holds the logic and its ports, never an adapter or a client type.</summary>
public sealed class DependencyTests
{
    private static readonly string[] ForbiddenForCore = ["HomebrewSync.Adapters", "HomebrewSync.Aws", "HomebrewSync.Hosting", "HomebrewSync.Cli", "HomebrewSync.Lambda", "AWSSDK."];

    [Fact]
    public void Core_ReferencesNoAdapterHostOrAwsAssembly()
    {
        var references = typeof(HomebrewSync.Core.Pipeline.SyncRun).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.Contains("HomebrewSync.Contracts", references);
        Assert.DoesNotContain(references, r => ForbiddenForCore.Any(f => r.StartsWith(f, StringComparison.Ordinal)));
    }

    [Fact]
    public void Core_UsesNoHttpClientOrAwsType()
    {
        var used = TypeReferences(typeof(HomebrewSync.Core.Pipeline.SyncRun).Assembly);

        Assert.NotEmpty(used);
        Assert.DoesNotContain(used, t => t.StartsWith("System.Net.Http", StringComparison.Ordinal) || t.StartsWith("Amazon", StringComparison.Ordinal)
            || t.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void CoreTests_ReferenceNoAdapterHostOrAwsAssembly()
    {
        // The fakes Core's tests use live in TestSupport, apart from the servers (TestSupport.Servers) that need the hosts.
        Assembly[] testAssemblies = [typeof(DependencyTests).Assembly, typeof(TestSupport.InMemoryStore).Assembly];

        foreach (var assembly in testAssemblies)
        {
            var references = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
            Assert.Contains("HomebrewSync.Core", references);
            Assert.DoesNotContain(references, r => ForbiddenForCore.Any(f => r.StartsWith(f, StringComparison.Ordinal)) || r == "HomebrewSync.TestSupport.Servers");
        }
    }

    [Fact]
    public void CoreTests_OutputHoldsNoAwsSdk()
    {
        var output = AppContext.BaseDirectory;

        Assert.True(File.Exists(Path.Combine(output, "HomebrewSync.Core.dll")), output);
        Assert.Empty(Directory.GetFiles(output, "AWSSDK.*.dll"));
        Assert.Empty(Directory.GetFiles(output, "HomebrewSync.Hosting.dll"));
    }

    [Fact]
    public void Contracts_DependsOnNothingOfTheProject()
    {
        var references = typeof(Contracts.SyncPlan).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.DoesNotContain(references, r => r.StartsWith("HomebrewSync.", StringComparison.Ordinal) || r.StartsWith("AWSSDK.", StringComparison.Ordinal) || r.StartsWith("Polly", StringComparison.Ordinal));
    }

    /// <summary>Every type the assembly's IL refers to, by full name (what a "using" cannot hide).</summary>
    private static HashSet<string> TypeReferences(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in md.TypeReferences)
        {
            var t = md.GetTypeReference(handle);
            names.Add($"{md.GetString(t.Namespace)}.{md.GetString(t.Name)}");
        }
        return names;
    }
}
