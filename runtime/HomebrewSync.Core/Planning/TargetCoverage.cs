namespace HomebrewSync.Core.Planning;

/// <summary>
/// How a target tag is served: bottles in all, their bytes, and those that are another tag's bottle (an older
/// macOS release, or <c>all</c>), as in "arm64_tahoe: 812 bottles, 37 via arm64_sequoia, 120 all".
/// </summary>
public sealed record TargetCoverage(string Target, int Bottles, long Bytes, IReadOnlyList<(string Tag, int Count)> Via)
{
    public static IReadOnlyList<TargetCoverage> Of(IEnumerable<string> targets, IEnumerable<(string Tag, IReadOnlyList<string> Serves, long Bytes)> bottles)
    {
        var all = bottles.ToArray();
        return targets.Select(t =>
        {
            var serving = all.Where(b => b.Serves.Contains(t)).ToArray();
            var via = serving.Where(b => b.Tag != t).GroupBy(b => b.Tag, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (g.Key, g.Count())).ToArray();
            return new TargetCoverage(t, serving.Length, serving.Sum(b => b.Bytes), via);
        }).ToArray();
    }

    /// <summary>"812 bottles, 37 via arm64_sequoia, 120 all".</summary>
    /// <param name="all">How the <c>all</c> bottles are named ("`all`" in Slack).</param>
    public string Describe(Func<int, string> count, string all = "all") =>
        $"{count(Bottles)} bottles" + string.Concat(Via.Select(v => v.Tag == "all" ? $", {count(v.Count)} {all}" : $", {count(v.Count)} via {v.Tag}"));
}
