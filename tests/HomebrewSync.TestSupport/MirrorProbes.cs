namespace HomebrewSync.TestSupport;

/// <summary>Requests a mirror endpoint must answer with 404: store internals, traversal attempts, names the hash file does not list.</summary>
public static class MirrorProbes
{
    /// <param name="jqAllSha256">The sha256 of a mirrored jq 1.7.1 "all" bottle (asked for under another formula's image).</param>
    public static IReadOnlyList<string> NotServed(string jqAllSha256) =>
    [
        "/bottles_hash.json", "/2025-07-21/jq-1.7.1.all.bottle.tar.gz", "/..%2Fbottles_hash.json", "/%2E%2E/etc/passwd", "/manifests/jq/1.7.1.json",
        "/jq/manifests/9.9", "/v2/homebrew/core/jq/blobs/sha256:" + new string('0', 64), "/v2/homebrew/core/wget/blobs/sha256:" + jqAllSha256,
        "/plans/x.json", "/api/../bottles_hash.json", "/api/internal/..%2F..%2Fbottles_hash.json", "/status/last-run.json", "/.staging/x.part",
        "/jq-1.7.1.arm64_sonoma.bottle.tar.gz",
    ];
}
