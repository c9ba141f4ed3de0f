using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Platforms;

namespace HomebrewSync.Core.Planning;

/// <summary>The pure steps of planning, apart from the loop that feeds them (<see cref="PlanBuilder"/>).</summary>
internal static class PlanSteps
{
    /// <summary>Which of the formula's bottles the targets resolve to, each once (by its own tag), with the targets it serves.</summary>
    /// <param name="unserved">The targets no bottle of the formula serves.</param>
    public static SortedDictionary<string, (BottleFile File, List<string> Serves)> Resolve(Formula formula, IReadOnlyList<PlatformTag> targets, out List<string> unserved)
    {
        var resolved = new SortedDictionary<string, (BottleFile File, List<string> Serves)>(StringComparer.Ordinal);
        unserved = [];
        foreach (var target in targets)
        {
            if (BottleResolver.Resolve(formula, target) is not { } file)
            {
                unserved.Add(target.Name);
                continue;
            }
            if (!resolved.TryGetValue(file.Tag, out var r))
            {
                resolved[file.Tag] = r = (file, []);
            }
            r.Serves.Add(target.Name);
        }
        return resolved;
    }

    /// <exception cref="PlanInputException">A target tag neither known nor in the catalog, or an asked-for formula the catalog lacks.</exception>
    public static void EnsureKnown(IReadOnlyList<PlatformTag> targets, IReadOnlySet<string> tagsInCatalog, IReadOnlySet<string>? wanted, IReadOnlySet<string> found)
    {
        var unknownTags = targets.Where(t => !t.IsKnownRelease && !tagsInCatalog.Contains(t.Name)).Select(t => t.Name).ToArray();
        if (unknownTags.Length > 0)
        {
            var known = string.Join(", ", tagsInCatalog.Order(StringComparer.Ordinal));
            throw new PlanInputException($"Unknown platform tag(s): {string.Join(", ", unknownTags)}. Tags in this catalog: {known}");
        }
        if (wanted is not null && wanted.Except(found).Order(StringComparer.Ordinal).ToArray() is { Length: > 0 } missing)
        {
            throw new PlanInputException($"Not a formula in the catalog: {string.Join(", ", missing)}");
        }
    }

    /// <summary>A warning, in target order, for each known macOS target Homebrew no longer (mostly) builds bottles for.</summary>
    /// <param name="ownTag">Per macOS target: formulae with a bottle of the target's own tag.</param>
    /// <param name="withMacBottle">Per macOS target: formulae with a macOS bottle of its architecture.</param>
    public static List<string> StaleTagWarnings(IReadOnlyList<PlatformTag> targets, IReadOnlySet<string> tagsInCatalog,
        IReadOnlyDictionary<string, int> ownTag, IReadOnlyDictionary<string, int> withMacBottle)
    {
        const string Advice = "mirror the tags your Macs run (e.g. arm64_tahoe, arm64_sequoia, arm64_sonoma)";
        var warnings = new List<string>();
        foreach (var stale in targets.Where(t => t.IsKnownRelease))
        {
            var own = ownTag.GetValueOrDefault(stale.Name);
            var mac = withMacBottle.GetValueOrDefault(stale.Name);
            if (!tagsInCatalog.Contains(stale.Name))
            {
                warnings.Add($"Homebrew builds no {stale.Name} bottles any more (none in this catalog): {stale.Name} is served only by older or \"all\" bottles; {Advice}");
            }
            else if (own * 2 < mac)
            {
                warnings.Add($"Homebrew no longer builds most {stale.Name} bottles: {own:N0} of {mac:N0} formulae with a macOS bottle have one of their own, "
                    + $"the rest reach {stale.Name} only through an older tag's bottle or not at all; {Advice}");
            }
        }
        return warnings;
    }
}
