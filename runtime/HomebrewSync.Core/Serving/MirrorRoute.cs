namespace HomebrewSync.Core.Serving;

/// <summary>
/// Which of brew's protocols and which kind of document a request path is for, from the path's shape alone (a few
/// fixed values, so metrics labelled with them stay small): <c>bottle_domain</c> (manifest, bottle), <c>artifact_domain</c>
/// (manifest, blob), <c>api</c> (api_file), <c>health</c>, <c>metrics</c>, or <c>other</c>.
/// </summary>
public sealed record MirrorRoute(string Protocol, string Name)
{
    private const string RegistryPrefix = "/v2/homebrew/core/";

    public static readonly MirrorRoute BottleManifest = new("bottle_domain", "manifest");
    public static readonly MirrorRoute Bottle = new("bottle_domain", "bottle");
    public static readonly MirrorRoute ArtifactManifest = new("artifact_domain", "manifest");
    public static readonly MirrorRoute ArtifactBlob = new("artifact_domain", "blob");
    public static readonly MirrorRoute ApiFile = new("api", "api_file");
    public static readonly MirrorRoute Health = new("health", "healthz");
    public static readonly MirrorRoute Metrics = new("metrics", "metrics");
    public static readonly MirrorRoute Other = new("other", "other");

    public static readonly IReadOnlyList<MirrorRoute> All = [BottleManifest, Bottle, ArtifactManifest, ArtifactBlob, ApiFile, Health, Metrics, Other];

    /// <param name="rawPath">The path as sent (a query is ignored).</param>
    public static MirrorRoute Of(string rawPath)
    {
        ArgumentNullException.ThrowIfNull(rawPath);
        var query = rawPath.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rawPath.AsSpan() : rawPath.AsSpan(0, query);
        if (path.SequenceEqual("/healthz"))
        {
            return Health;
        }
        if (path.SequenceEqual("/metrics"))
        {
            return Metrics;
        }
        if (path.StartsWith(RegistryPrefix, StringComparison.Ordinal))
        {
            return path.Contains("/blobs/sha256:", StringComparison.Ordinal) ? ArtifactBlob
                : path.Contains("/manifests/", StringComparison.Ordinal) ? ArtifactManifest
                : Other;
        }
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return ApiFile;
        }
        if (path.Contains("/manifests/", StringComparison.Ordinal))
        {
            return BottleManifest;
        }
        return path.Length > 1 && path[1..].IndexOf('/') < 0 && path.EndsWith(".tar.gz", StringComparison.Ordinal) ? Bottle : Other;
    }
}
