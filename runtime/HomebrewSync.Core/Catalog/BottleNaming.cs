using System.Text.RegularExpressions;

namespace HomebrewSync.Core.Catalog;

/// <summary>
/// Names derived from catalog data (which comes from the network), checked so that no file or key
/// can escape the store: no separators, no "..", nothing outside Homebrew's own alphabet.
/// </summary>
internal static partial class BottleNaming
{
    [GeneratedRegex(@"^[a-z0-9][a-z0-9@+._-]{0,127}\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}\z")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^[0-9a-f]{64}\z")]
    private static partial Regex Sha256Pattern();

    public static bool IsSafeName(string name) => NamePattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>A version that can name a bottle: no "..", and no trailing '.' (<c>&lt;version&gt;.&lt;tag&gt;</c> in the file name would hold "..").</summary>
    public static bool IsSafeVersion(string version) =>
        VersionPattern().IsMatch(version) && !version.Contains("..", StringComparison.Ordinal) && !version.EndsWith('.');

    /// <summary>The largest rebuild a bottle's file name may carry: four digits, as the store's key grammar reads them.</summary>
    public const int MaxRebuild = 9999;

    public static bool IsSha256(string value) => Sha256Pattern().IsMatch(value);

    /// <summary>Hash-file key: <c>&lt;name&gt;-&lt;version&gt;-&lt;tag&gt;</c>.</summary>
    public static string Key(string name, string version, string tag) => $"{name}-{version}-{tag}";

    /// <summary><c>&lt;name&gt;-&lt;version&gt;.&lt;tag&gt;.bottle[.&lt;rebuild&gt;].tar.gz</c>, as brew names it.</summary>
    public static string FileName(string name, string version, string tag, int rebuild) =>
        rebuild > 0 ? $"{name}-{version}.{tag}.bottle.{rebuild}.tar.gz" : $"{name}-{version}.{tag}.bottle.tar.gz";

    /// <summary>The rebuild a bottle's file name or object key carries (<c>.bottle.&lt;rebuild&gt;.tar.gz</c>); 0 when it carries none.</summary>
    public static int RebuildOf(string fileName) =>
        RebuildPattern().Match(fileName) is { Success: true } m ? int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"\.bottle\.([1-9][0-9]{0,3})\.tar\.gz\z", RegexOptions.CultureInvariant)]
    private static partial Regex RebuildPattern();

    /// <summary>The store-relative key of a bottle: <c>YYYY-MM-DD/&lt;file name&gt;</c>.</summary>
    public static string ObjectKey(DateOnly syncDate, string fileName) => $"{syncDate:yyyy-MM-dd}/{fileName}";

    /// <summary>ghcr.io image name: '@' becomes '/', '+' becomes 'x'.</summary>
    public static string ImageName(string name) => name.Replace('@', '/').Replace('+', 'x');

    /// <summary>Where a formula version's image index is kept in the store: <c>manifests/&lt;image&gt;/&lt;reference&gt;.json</c>.</summary>
    public static string IndexKey(string name, string reference) => $"{IndexPrefix}{ImageName(name)}/{reference}.json";

    public const string IndexPrefix = "manifests/";

    /// <summary>The <c>org.opencontainers.image.ref.name</c> of a bottle in its image index: <c>&lt;version&gt;.&lt;tag&gt;[.&lt;rebuild&gt;]</c>.</summary>
    public static string RefName(string version, string tag, int rebuild) => rebuild > 0 ? $"{version}.{tag}.{rebuild}" : $"{version}.{tag}";

    /// <summary>The OCI reference (brew: the manifest tag) of a version: <c>&lt;version&gt;[-&lt;rebuild&gt;]</c>.</summary>
    public static string IndexReference(string version, int rebuild) => rebuild > 0 ? $"{version}-{rebuild}" : version;

    /// <summary>The image URL of a blob URL (<c>.../&lt;image&gt;/blobs/sha256:&lt;hex&gt;</c>), or null when it has another shape.</summary>
    public static Uri? ImageBaseOf(Uri blobUrl) => ImageUrlOf(blobUrl) is { } image ? new Uri(image) : null;

    /// <summary>
    /// <see cref="ImageBaseOf"/>'s URL as a string (its <see cref="Uri.AbsoluteUri"/>), without parsing it a second time: planning
    /// asks for one per formula version. The part of a canonical URL before a path segment is canonical already; only an image
    /// with no path left (<c>https://host/blobs/...</c>) is parsed again, to gain its '/'.
    /// </summary>
    public static string? ImageUrlOf(Uri blobUrl)
    {
        ArgumentNullException.ThrowIfNull(blobUrl);
        var s = blobUrl.GetLeftPart(UriPartial.Path);
        var i = s.LastIndexOf("/blobs/", StringComparison.Ordinal);
        if (i <= 0)
        {
            return null;
        }
        var authority = s.IndexOf("://", StringComparison.Ordinal);
        var path = authority < 0 ? -1 : s.IndexOf('/', authority + 3);
        return path >= 0 && path < i ? s[..i] : new Uri(s[..i]).AbsoluteUri;
    }
}
