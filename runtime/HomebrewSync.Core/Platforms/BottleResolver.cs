using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.Platforms;

/// <summary>Which bottle a Mac on a given tag downloads, the way brew chooses it.</summary>
internal static class BottleResolver
{
    /// <summary>The exact tag, else <c>all</c>, else the newest older macOS tag of the same architecture; null when none fits.</summary>
    public static BottleFile? Resolve(Formula formula, PlatformTag target)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(target);
        if (formula.Files.TryGetValue(target.Name, out var exact))
        {
            return exact;
        }
        if (formula.Files.TryGetValue(PlatformTag.All, out var all))
        {
            return all;
        }
        if (target.MacOsVersion is not { } wanted)
        {
            return null;
        }
        BottleFile? best = null;
        Version? bestVersion = null;
        foreach (var (tag, file) in formula.Files)
        {
            var candidate = PlatformTag.Parse(tag);
            if (candidate.MacOsVersion is { } v && candidate.Architecture == target.Architecture && v < wanted && (bestVersion is null || v > bestVersion))
            {
                best = file;
                bestVersion = v;
            }
        }
        return best;
    }
}
