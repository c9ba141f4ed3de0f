using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace HomebrewSync.Core.Tests.Architecture;

/// <summary>
/// Core's public surface is what the other projects use: every public Core type is referred to by the IL of an adapter, a host,
/// the infra program or the benchmark (directly, or through the signature of a member they call). The rest is internal and
/// tested through InternalsVisibleTo. PublicApiAnalyzers (PublicAPI.Shipped.txt) pins the members; this pins the types.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly (string Project, string Assembly)[] Users =
    [
        ("runtime/HomebrewSync.Adapters", "HomebrewSync.Adapters"), ("runtime/HomebrewSync.Aws", "HomebrewSync.Aws"),
        ("runtime/HomebrewSync.Hosting", "HomebrewSync.Hosting"), ("runtime/HomebrewSync.Cli", "homebrew-sync"),
        ("runtime/HomebrewSync.Lambda", "HomebrewSync.Lambda"), ("infra/HomebrewSync.Infra", "HomebrewSync.Infra"),
        ("bench/HomebrewSync.Bench", "HomebrewSync.Bench"),
    ];

    [Fact]
    public void EveryPublicCoreType_IsUsedByAnotherProject()
    {
        var core = typeof(HomebrewSync.Core.Pipeline.SyncRun).Assembly;
        var referenced = Users.SelectMany(u => CoreTypesReferencedBy(u.Project, u.Assembly)).ToHashSet(StringComparer.Ordinal);
        // A type used elsewhere brings the types of its public shape (constructor parameters, properties) with it:
        // an adapter yielding a Formula needs BottleFile to build one.
        var used = referenced.Select(n => core.GetType(n)).OfType<Type>().SelectMany(ShapeOf).Select(t => t.FullName!).Concat(referenced).ToHashSet(StringComparer.Ordinal);
        var exported = core.GetExportedTypes().Where(t => !t.IsNested).Select(t => t.FullName!).ToArray();

        Assert.NotEmpty(used);
        var unused = string.Join(", ", exported.Where(t => !used.Contains(t)).Order(StringComparer.Ordinal));
        Assert.True(unused.Length == 0, $"public in Core but used by no other project (make them internal): {unused}");
    }

    private static IEnumerable<Type> ShapeOf(Type type) =>
        type.GetConstructors().SelectMany(c => c.GetParameters().Select(p => p.ParameterType))
            .Concat(type.GetProperties().Select(p => p.PropertyType))
            .SelectMany(t => t.IsGenericType ? t.GetGenericArguments().Append(t) : [t])
            .Where(t => t.Assembly == type.Assembly);

    /// <summary>Full names of the Core types a project's built assembly refers to (same configuration as this test).</summary>
    private static List<string> CoreTypesReferencedBy(string project, string name)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Directory.GetFiles(Path.Combine(RepositoryPaths.Root(), project, "bin", configuration), name + ".dll", SearchOption.AllDirectories)
            .FirstOrDefault() ?? throw new InvalidOperationException($"{name}.dll is not built in {configuration}: build the solution first");
        using var stream = File.OpenRead(dll);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var handle in md.TypeReferences)
        {
            var t = md.GetTypeReference(handle);
            if (t.ResolutionScope.Kind == HandleKind.AssemblyReference
                && md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)t.ResolutionScope).Name) == "HomebrewSync.Core")
            {
                names.Add($"{md.GetString(t.Namespace)}.{md.GetString(t.Name)}");
            }
        }
        return names;
    }
}
