namespace HomebrewSync.Core.Catalog;

/// <summary>One formula of the catalog, reduced to what mirroring needs.</summary>
/// <param name="Version">stable, plus <c>_revision</c> when the revision is above 0.</param>
public sealed record Formula(string Name, string Version, int Rebuild, bool Disabled, IReadOnlyDictionary<string, BottleFile> Files);

/// <summary>A bottle file as the API lists it under <c>bottle.stable.files[tag]</c>.</summary>
public sealed record BottleFile(string Tag, Uri Url, string Sha256, string? Cellar);
