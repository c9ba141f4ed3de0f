namespace HomebrewSync.Core.Platforms;

/// <summary>
/// What a bottle tag says about the machine: architecture and, for macOS, the release.
/// Tags themselves come from the catalog; this only knows how macOS releases order, which the
/// tag names alone cannot tell (big_sur is newer than catalina).
/// </summary>
internal sealed record PlatformTag(string Name, string Architecture, string? MacOsRelease, Version? MacOsVersion)
{
    public const string All = "all";

    // Homebrew's MacOSVersion::SYMBOLS: release name to version.
    private static readonly Dictionary<string, Version> MacOsReleases = new(StringComparer.Ordinal)
    {
        ["tahoe"] = new(26, 0),
        ["sequoia"] = new(15, 0),
        ["sonoma"] = new(14, 0),
        ["ventura"] = new(13, 0),
        ["monterey"] = new(12, 0),
        ["big_sur"] = new(11, 0),
        ["catalina"] = new(10, 15),
        ["mojave"] = new(10, 14),
        ["high_sierra"] = new(10, 13),
        ["sierra"] = new(10, 12),
        ["el_capitan"] = new(10, 11),
        ["yosemite"] = new(10, 10),
    };

    public bool IsMacOs => MacOsVersion is not null;

    private static readonly HashSet<string> LinuxTags = new(StringComparer.Ordinal) { "x86_64_linux", "arm64_linux" };

    /// <summary>True for a macOS release or Linux platform this build knows, so a tag for it resolves even where the catalog has no bottle built for it.</summary>
    public bool IsKnownRelease => IsMacOs || LinuxTags.Contains(Name);

    public static PlatformTag Parse(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var (arch, os) = tag.StartsWith("arm64_", StringComparison.Ordinal) ? ("arm64", tag["arm64_".Length..])
            : tag.StartsWith("x86_64_", StringComparison.Ordinal) ? ("x86_64", tag["x86_64_".Length..])
            : ("x86_64", tag);
        return MacOsReleases.TryGetValue(os, out var version)
            ? new PlatformTag(tag, arch, os, version)
            : new PlatformTag(tag, arch, null, null);
    }

    public override string ToString() => Name;
}
