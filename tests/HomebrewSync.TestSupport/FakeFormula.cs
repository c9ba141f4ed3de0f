namespace HomebrewSync.TestSupport;

/// <summary>A formula as the fake API lists it; build with <see cref="FormulaBuilder"/>.</summary>
public sealed record FakeFormula(
    string Name,
    string Stable,
    int Revision,
    int Rebuild,
    bool Disabled,
    IReadOnlyDictionary<string, BlobContent> Bottles)
{
    /// <summary>Extra catalog text (description, caveats, dependencies) so a generated catalog weighs what the real one does.</summary>
    public int NoiseBytes { get; init; }

    public string Version => Revision > 0 ? $"{Stable}_{Revision}" : Stable;

    /// <summary>ghcr.io's image name: '@' becomes '/', '+' becomes 'x'.</summary>
    public string Image => Name.Replace('@', '/').Replace('+', 'x');

    public string IndexReference => Rebuild > 0 ? $"{Version}-{Rebuild}" : Version;

    public string Key(string tag) => $"{Name}-{Version}-{tag}";

    public string FileName(string tag) => Rebuild > 0 ? $"{Name}-{Version}.{tag}.bottle.{Rebuild}.tar.gz" : $"{Name}-{Version}.{tag}.bottle.tar.gz";
}
