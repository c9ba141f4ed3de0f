using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Platforms;

namespace HomebrewSync.Core.HashFiles;

/// <summary>
/// Which target tags the mirrored bottles serve, from the hash file alone: a target resolves among a formula
/// version's mirrored tags exactly as among its catalog tags, since the bottle it resolved to is mirrored and
/// no other mirrored tag can be a better match.
/// </summary>
public static class MirrorCoverage
{
    public static IReadOnlyList<TargetCoverage> Of(HashFile hashFile, IReadOnlyList<string> targets)
    {
        ArgumentNullException.ThrowIfNull(hashFile);
        ArgumentNullException.ThrowIfNull(targets);
        var parsed = targets.Select(PlatformTag.Parse).ToArray();
        var bottles = new List<(string Tag, IReadOnlyList<string> Serves, long Bytes)>();
        // Portable Ruby's tags are not the fleet's (arm64_big_sur would look like an old bottle serving arm64_sonoma): it has its own line.
        foreach (var version in hashFile.Bottles.Values.Where(e => !PortableRuby.PortableRubyImage.Is(e)).GroupBy(e => (e.FormulaName, e.FormulaVersion)))
        {
            var entries = version.GroupBy(e => e.Platform, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var formula = new Formula(version.Key.FormulaName, version.Key.FormulaVersion, 0, false,
                entries.ToDictionary(e => e.Key, e => new BottleFile(e.Key, new Uri("https://mirror.invalid/" + e.Value.S3Key), e.Value.Sha256, null), StringComparer.Ordinal));
            var serves = parsed.Select(t => (Target: t.Name, File: BottleResolver.Resolve(formula, t))).Where(x => x.File is not null).ToLookup(x => x.File!.Tag, x => x.Target);
            foreach (var (tag, entry) in entries)
            {
                bottles.Add((tag, serves[tag].ToArray(), entry.FileSize));
            }
        }
        return TargetCoverage.Of(targets, bottles);
    }
}
