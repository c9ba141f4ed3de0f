using System.Globalization;
using System.Text.RegularExpressions;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.Core.PortableRuby;

/// <summary>
/// brew's own Ruby as the registry publishes it: the image <c>homebrew/core/portable-ruby</c>, tag = version, one bottle per
/// platform in its image index. Mirrored like a formula named <c>portable-ruby</c>, so its file names are exactly the ones
/// brew's <c>vendor-install</c> asks for (<c>portable-ruby-&lt;version&gt;.&lt;tag&gt;.bottle.tar.gz</c>, <c>.../portable-ruby/blobs/sha256:&lt;hex&gt;</c>).
/// </summary>
public static partial class PortableRubyImage
{
    /// <summary>The image's name, and the name its bottles take in the hash file.</summary>
    public const string Name = "portable-ruby";

    private const string CorePath = "/homebrew/core/";

    [GeneratedRegex(@"\A[0-9]{1,4}(\.[0-9]{1,4}){0,3}(_[0-9]{1,4})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    /// <summary>Whether a hash-file entry is one of portable Ruby's bottles.</summary>
    public static bool Is(HashEntry entry) => entry is not null && entry.FormulaName == Name;

    /// <summary>The image's URL on the registry a formula bottle comes from (<c>https://ghcr.io/v2/homebrew/core/jq/blobs/...</c>), or null for another shape.</summary>
    public static Uri? ImageOn(Uri bottleUrl)
    {
        ArgumentNullException.ThrowIfNull(bottleUrl);
        var s = bottleUrl.GetLeftPart(UriPartial.Path);
        var at = s.IndexOf(CorePath, StringComparison.Ordinal);
        return at < 0 || s.IndexOf("/blobs/", at, StringComparison.Ordinal) < 0 ? null : new Uri(s[..(at + CorePath.Length)] + Name);
    }

    /// <summary>Whether a registry tag reads as a portable Ruby version (<c>4.0.6</c>, <c>3.3.7_1</c>): other tags (<c>latest</c>, digests) are not.</summary>
    public static bool IsVersion(string tag) => tag is not null && VersionPattern().IsMatch(tag);

    /// <summary>The newest version among the registry's tags, or null when none reads as one.</summary>
    public static string? Newest(IEnumerable<string> tags) =>
        tags.Where(IsVersion).OrderByDescending(t => t, Comparer<string>.Create(CompareVersions)).FirstOrDefault();

    /// <summary>Compares versions part by part, numerically (<c>3.10</c> is newer than <c>3.9</c>).</summary>
    public static int CompareVersions(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var x = a.Split('.', '_');
        var y = b.Split('.', '_');
        for (var i = 0; i < Math.Max(x.Length, y.Length); i++)
        {
            var c = Part(x, i).CompareTo(Part(y, i));
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    /// <summary>
    /// The version as a formula with every platform bottle its image index lists (ref name <c>&lt;version&gt;.&lt;tag&gt;</c>), blob URLs on
    /// <paramref name="image"/>. Entries of another version, with an unusable tag or digest, are left out.
    /// </summary>
    internal static Formula ToFormula(Uri image, string version, OciImageIndex index)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(index);
        var files = new Dictionary<string, BottleFile>(StringComparer.Ordinal);
        foreach (var entry in index.Entries)
        {
            if (entry.RefName is not { } refName || !refName.StartsWith(version + ".", StringComparison.Ordinal) || !BottleNaming.IsSha256(entry.Sha256))
            {
                continue;
            }
            var tag = refName[(version.Length + 1)..];
            if (Storage.StoreKeys.IsTag(tag) && tag != "all")
            {
                files.TryAdd(tag, new BottleFile(tag, new Uri($"{image.AbsoluteUri.TrimEnd('/')}/blobs/sha256:{entry.Sha256}"), entry.Sha256, null));
            }
        }
        return new Formula(Name, version, 0, false, files);
    }

    /// <summary>What the mirror holds of portable Ruby, a line for stats and Slack (<c>4.0.6: arm64_big_sur, catalina (12.3 MB)</c>), or null when nothing.</summary>
    public static string? Describe(HashFile hashFile, Func<long, string> bytes)
    {
        ArgumentNullException.ThrowIfNull(hashFile);
        ArgumentNullException.ThrowIfNull(bytes);
        var versions = hashFile.Bottles.Values.Where(Is).GroupBy(e => e.FormulaVersion)
            .OrderByDescending(g => g.Key, Comparer<string>.Create(CompareVersions))
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Platform).Order(StringComparer.Ordinal))} ({bytes(g.Sum(e => e.FileSize))})")
            .ToArray();
        return versions.Length == 0 ? null : string.Join("; ", versions);
    }

    private static int Part(string[] parts, int i) =>
        i < parts.Length && int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
