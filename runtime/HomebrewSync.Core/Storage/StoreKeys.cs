using System.Globalization;
using System.Text.RegularExpressions;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;

namespace HomebrewSync.Core.Storage;

/// <summary>
/// The grammar of the keys the mirror itself writes. Anything a store holds outside it (the hash file, its backups,
/// plans, status, leases, stray files) is never deleted by prune or a migration, and a hash-file entry whose
/// <c>s3_key</c> is not its own bottle's key makes the whole hash file untrusted.
/// </summary>
public static partial class StoreKeys
{
    // YYYY-MM-DD/<file>.bottle[.<rebuild>].tar.gz, the file name in Homebrew's own alphabet.
    [GeneratedRegex(@"\A[0-9]{4}-[0-9]{2}-[0-9]{2}/[a-z0-9][A-Za-z0-9@+._~-]{0,254}\.bottle(\.[1-9][0-9]{0,3})?\.tar\.gz\z", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex BottlePattern();

    // manifests/<image>/<version>[-<rebuild>].json
    [GeneratedRegex(@"\Amanifests/[a-z0-9][a-z0-9@+._/-]{0,254}/[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}\.json\z", RegexOptions.CultureInvariant)]
    private static partial Regex IndexPattern();

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9_]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    // api/<path>.json, as brew asks for Homebrew's API files: segments start with a letter, digit or underscore, so "." and
    // ".." cannot be one; dots inside are fine (formula.jws.json).
    [GeneratedRegex(@"\Aapi/[a-z0-9_][a-z0-9_.\-]*(/[a-z0-9_][a-z0-9_.\-]*)*\.json\z", RegexOptions.CultureInvariant)]
    private static partial Regex ApiPattern();

    /// <summary>
    /// The largest object a bottle can be: what <c>MAX_BOTTLE_SIZE_GB</c> allows at most. A size beyond it (in a hash
    /// file or a plan) is not a bottle's, and refusing it keeps every sum of sizes far from overflowing.
    /// </summary>
    public static readonly long MaxBottleBytes = (long)(Contracts.Settings.MaxBottleSizeGb.Max!.Value * Contracts.SyncSettings.Gib);

    /// <summary>
    /// Any key a store can hold: '/'-separated segments, none empty, "." or "..", no backslash and no control character.
    /// Every store maps only such keys to a file or an object.
    /// </summary>
    public static bool IsStoreKey(string key) =>
        !string.IsNullOrEmpty(key) && !key.Contains('\\', StringComparison.Ordinal) && !key.Any(char.IsControl)
        && key.Split('/').All(s => s is not ("" or "." or ".."));

    /// <summary>One of Homebrew's API files as the mirror keeps and serves it: <c>api/internal/packages.arm64_sonoma.jws.json</c>.</summary>
    public static bool IsApiKey(string key) => key is not null && ApiPattern().IsMatch(key);

    // brew.git/: what git's dumb HTTP protocol reads, as git update-server-info and git repack write it.
    [GeneratedRegex(@"\Abrew\.git/(HEAD|info/refs|objects/info/packs|objects/pack/pack-[0-9a-f]{40}([0-9a-f]{24})?\.(pack|idx))\z", RegexOptions.CultureInvariant)]
    private static partial Regex BrewGitPattern();

    [GeneratedRegex(@"\Abrew\.git/objects/pack/pack-[0-9a-f]{40}([0-9a-f]{24})?\.(pack|idx)\z", RegexOptions.CultureInvariant)]
    private static partial Regex BrewGitPackPattern();

    /// <summary>The mirror of brew's repository: <c>brew.git/HEAD</c>, <c>info/refs</c>, <c>objects/info/packs</c>, <c>objects/pack/pack-&lt;hex&gt;.(pack|idx)</c>; nothing else.</summary>
    public static bool IsBrewGitKey(string key) => key is not null && BrewGitPattern().IsMatch(key);

    /// <summary>A pack (or its index) of the mirrored brew repository: the only brew.git keys ever deleted (when no longer listed).</summary>
    public static bool IsBrewGitPackKey(string key) => key is not null && BrewGitPackPattern().IsMatch(key);

    /// <summary>A bottle object's key: a real date folder, a file name ending in <c>.bottle[.N].tar.gz</c>, no "..".</summary>
    public static bool IsBottleKey(string key) =>
        key is not null
        && BottlePattern().IsMatch(key)
        && !key.Contains("..", StringComparison.Ordinal)
        // The pattern puts the date folder first: its ten characters.
        && DateOnly.TryParseExact(key.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>An image index kept for brew: <c>manifests/&lt;image&gt;/&lt;reference&gt;.json</c>, no "..", no empty segment.</summary>
    public static bool IsIndexKey(string key) =>
        key is not null && IndexPattern().IsMatch(key) && !key.Contains("..", StringComparison.Ordinal) && !key.Contains("//", StringComparison.Ordinal);

    /// <summary>A bottle tag as the catalog spells them (<c>arm64_sonoma</c>, <c>all</c>).</summary>
    public static bool IsTag(string tag) => tag is not null && TagPattern().IsMatch(tag);

    /// <summary>
    /// Why a hash-file entry cannot be trusted, or null when it can: its key must be <c>&lt;name&gt;-&lt;version&gt;-&lt;platform&gt;</c>
    /// of its own fields, and its <c>s3_key</c> that bottle's own object (<c>YYYY-MM-DD/&lt;name&gt;-&lt;version&gt;.&lt;platform&gt;.bottle[.N].tar.gz</c>).
    /// </summary>
    /// <param name="objectField">What the document calls the object's key, for the message (a plan's is <c>object_key</c>).</param>
    public static string? ProblemWith(string hashKey, HashEntry entry, string objectField = "s3_key")
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!BottleNaming.IsSafeName(entry.FormulaName) || !BottleNaming.IsSafeVersion(entry.FormulaVersion) || !IsTag(entry.Platform))
        {
            return "formula_name, formula_version or platform is not a formula name, version or bottle tag";
        }
        if (!IsJoined(hashKey, entry.FormulaName, '-', entry.FormulaVersion, '-', entry.Platform))
        {
            return $"its key should be '{BottleNaming.Key(entry.FormulaName, entry.FormulaVersion, entry.Platform)}' (name-version-platform)";
        }
        if (!IsBottleKey(entry.S3Key) || !NamesBottle(entry.S3Key, entry.FormulaName, entry.FormulaVersion, entry.Platform))
        {
            return $"{objectField} '{Formatting.Humanize.Clip(entry.S3Key)}' is not this bottle's object (YYYY-MM-DD/{BottleNaming.FileName(entry.FormulaName, entry.FormulaVersion, entry.Platform, 0)})";
        }
        return null;
    }

    /// <summary>Whether a bottle key's file is <c>&lt;name&gt;-&lt;version&gt;.&lt;tag&gt;.bottle[.N].tar.gz</c>.</summary>
    public static bool NamesBottle(string key, string name, string version, string tag)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return false;
        }
        if (name is null || version is null || tag is null)
        {
            return false;
        }
        // <name>-<version>.<tag>.bottle, then "" or .<rebuild>, then .tar.gz: compared in place, nothing allocated (every hash-file entry is checked).
        const string Bottle = ".bottle", Suffix = ".tar.gz";
        var file = key.AsSpan(slash + 1);
        var joined = name.Length + 1 + version.Length + 1 + tag.Length;
        var stem = joined + Bottle.Length;
        if (file.Length < stem + Suffix.Length || !IsJoined(file[..joined], name, '-', version, '.', tag)
            || !file[joined..stem].SequenceEqual(Bottle) || !file.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }
        var middle = file[stem..^Suffix.Length];
        return middle.Length == 0 || (middle[0] == '.' && middle.Length is > 1 and <= 5 && middle[1] != '0' && !middle[1..].ContainsAnyExceptInRange('0', '9'));
    }

    /// <summary>Whether <paramref name="value"/> is exactly <c>a</c>, <c>separator1</c>, <c>b</c>, <c>separator2</c>, <c>c</c>.</summary>
    private static bool IsJoined(ReadOnlySpan<char> value, string a, char separator1, string b, char separator2, string c) =>
        value.Length == a.Length + 1 + b.Length + 1 + c.Length
        && value.StartsWith(a, StringComparison.Ordinal)
        && value[a.Length] == separator1
        && value.Slice(a.Length + 1, b.Length).SequenceEqual(b)
        && value[a.Length + 1 + b.Length] == separator2
        && value.EndsWith(c, StringComparison.Ordinal);

    /// <summary>The one check every deletion goes through: only bottle, image-index and brew.git pack keys may be deleted.</summary>
    /// <exception cref="UnsafeStoreKeyException">Any other key.</exception>
    public static void EnsureDeletable(string key)
    {
        if (!IsBottleKey(key) && !IsIndexKey(key) && !IsBrewGitPackKey(key))
        {
            throw new UnsafeStoreKeyException(key, "only bottle objects (YYYY-MM-DD/….bottle[.N].tar.gz), image indexes (manifests/….json) and brew.git's packs are ever deleted");
        }
    }
}
