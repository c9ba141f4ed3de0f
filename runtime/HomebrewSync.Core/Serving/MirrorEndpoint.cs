using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Serving;

/// <summary>
/// Answers brew from the store, the same for every host (<c>homebrew-sync serve</c>, the Lambda function URL):
/// <list type="bullet">
/// <item><c>HOMEBREW_BOTTLE_DOMAIN=D</c>: <c>GET D/&lt;image&gt;/manifests/&lt;ref&gt;</c>, then <c>HEAD</c> and <c>GET D/&lt;file&gt;</c>;</item>
/// <item><c>HOMEBREW_ARTIFACT_DOMAIN=A</c>: <c>GET A/v2/homebrew/core/&lt;image&gt;/manifests/&lt;ref&gt;</c> and <c>.../blobs/sha256:&lt;hex&gt;</c>;</item>
/// <item><c>HOMEBREW_API_DOMAIN=D/api</c>: <c>GET D/api/internal/packages.&lt;tag&gt;.jws.json</c> (with If-Modified-Since);</item>
/// <item><c>HOMEBREW_BREW_GIT_REMOTE=D/brew.git</c>: git's dumb HTTP protocol (<c>info/refs</c>, <c>HEAD</c>, <c>objects/info/packs</c>, packs), read-only;</item>
/// <item><c>/healthz</c>.</item>
/// </list>
/// GET and HEAD only (after the allow-list: 403 comes before 405); names and digests map to stored objects through the hash file, and anything it does not
/// list is a 404, so no request reaches a path outside what the mirror holds. With a token file, every path but <c>/healthz</c> and the
/// API files needs a listed token (checked before the path is looked up, so a refused client learns nothing of what is stored): brew sends it
/// with <c>HOMEBREW_ARTIFACT_DOMAIN</c> and <c>HOMEBREW_DOCKER_REGISTRY_TOKEN</c>, never on the bottle domain's bottle GETs, which are therefore
/// refused with a body saying so. The API files stay open (public, signed data; <c>--allow</c> still applies).
/// With pull-through (<see cref="IBottlePuller"/>), a manifest, blob or bottle request the hash file cannot answer is handed to it:
/// what the current catalog names for the mirror's tags is fetched, stored and served; anything else stays a 404, and a pull
/// that stores nothing is a 502 with its reason. Tokens are checked before any of this, so a pull needs a token too.
/// </summary>
public sealed partial class MirrorEndpoint
{
    private const string RegistryPrefix = "/v2/homebrew/core/";
    private const string ApiPrefix = "/api/";
    private const string BrewGitPrefix = "/brew.git/";

    /// <summary>What a 401 carries: the scheme brew's token goes in, and this mirror's realm.</summary>
    public const string Challenge = "Bearer realm=\"homebrew-sync\"";
    private readonly MirrorIndex _index;
    private readonly IStoreReader _reader;
    private readonly ServeOptions _options;
    private readonly TimeProvider _time;
    private readonly ServeTokenFile? _tokens;
    private readonly IBottlePuller? _puller;
    private readonly ImageIndexCache _imageIndexes = new();

    /// <param name="tokens">The token list when the mirror needs tokens; null for none.</param>
    /// <param name="puller">Pull-through, when on; null for none (a miss is a 404).</param>
    public MirrorEndpoint(IHashFileStore hashFile, IStoreReader reader, ServeOptions options, TimeProvider time, ServeTokenFile? tokens = null, Pipeline.PullThrough? puller = null)
        : this(hashFile, reader, options, time, tokens, (IBottlePuller?)puller)
    {
    }

    /// <summary>The same, over any <see cref="IBottlePuller"/> (tests give an in-memory one).</summary>
    internal MirrorEndpoint(IHashFileStore hashFile, IStoreReader reader, ServeOptions options, TimeProvider time, ServeTokenFile? tokens, IBottlePuller? puller)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _reader = reader;
        _options = options;
        _time = time;
        _tokens = tokens;
        _puller = puller;
        _index = new MirrorIndex(hashFile, reader, time, options.Refresh);
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._+\-]*(/[a-z0-9][a-z0-9._+\-]*)?\z")]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._+~\-]{0,80}\z")]
    private static partial Regex ReferencePattern();

    /// <summary>What <c>/healthz</c> and serve's metrics report: the bottles the hash file lists and when it was written (null before the first sync).</summary>
    public async Task<(int Bottles, DateTimeOffset? HashFileModified)> StatusAsync(CancellationToken cancellationToken)
    {
        var index = await _index.CurrentAsync(cancellationToken);
        return (index.ByFileName.Count, index.HashFile?.LastModified);
    }

    public async Task<MirrorResponse> HandleAsync(MirrorRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Who asks is checked first: a client outside the allow-list learns nothing, not even which methods exist.
        if (!_options.Allows(request.Client))
        {
            return MirrorResponse.Text(403, "forbidden\n");
        }
        if (request.Method is not ("GET" or "HEAD"))
        {
            return MirrorResponse.Text(405, "method not allowed\n", new Dictionary<string, string> { ["Allow"] = "GET, HEAD" });
        }
        string path;
        try
        {
            path = Uri.UnescapeDataString(request.RawPath.Split('?')[0]);
        }
        catch (UriFormatException)
        {
            return NotFound();
        }
        if (path.Contains("..", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal))
        {
            return NotFound();
        }
        string? user = null;
        if (_tokens is not null && path != "/healthz" && !path.StartsWith(ApiPrefix, StringComparison.Ordinal))
        {
            user = (await _tokens.CurrentAsync(cancellationToken)).OwnerOfAuthorization(request.Header("authorization"));
            if (user is null)
            {
                return path.StartsWith(BrewGitPrefix, StringComparison.Ordinal)
                    ? GitUnauthorized(request.Header("authorization") is not null)
                    : Unauthorized(request.Header("authorization") is not null, path.StartsWith(RegistryPrefix, StringComparison.Ordinal));
            }
        }
        return await RouteAsync(request, path, cancellationToken) with { User = user };
    }

    private async Task<MirrorResponse> RouteAsync(MirrorRequest request, string path, CancellationToken cancellationToken)
    {
        var index = await _index.CurrentAsync(cancellationToken);
        if (path == "/healthz")
        {
            return Health(index, _puller?.Counters);
        }
        if (path.StartsWith(RegistryPrefix, StringComparison.Ordinal))
        {
            var rest = path[RegistryPrefix.Length..];
            var blobAt = rest.IndexOf("/blobs/sha256:", StringComparison.Ordinal);
            if (blobAt > 0)
            {
                var (image, sha) = (rest[..blobAt], rest[(blobAt + "/blobs/sha256:".Length)..]);
                if (index.BySha256.TryGetValue(sha, out var byDigest) && BottleNaming.ImageName(byDigest.FormulaName) == image)
                {
                    return await BottleAsync(request, byDigest, "application/octet-stream", cancellationToken);
                }
                return ImagePattern().IsMatch(image) && BottleNaming.IsSha256(sha)
                    ? await PulledAsync(request, p => p.PullBlobAsync(image, sha, cancellationToken), "application/octet-stream", bottle: true, cancellationToken)
                    : NotFound();
            }
            return await ManifestAsync(request, index, rest, cancellationToken);
        }
        if (path.StartsWith(BrewGitPrefix, StringComparison.Ordinal))
        {
            // brew's repository for git's dumb HTTP protocol: only what the key grammar names (never a loose object, a config or a hook).
            var key = path[1..];
            return StoreKeys.IsBrewGitKey(key) ? await ObjectAsync(request, key, BrewGit.BrewGitMirror.ContentType(key), null, bottle: false, cancellationToken) : NotFound();
        }
        if (path.StartsWith(ApiPrefix, StringComparison.Ordinal))
        {
            var key = path[1..];
            return StoreKeys.IsApiKey(key)
                ? await ObjectAsync(request, key, "application/json", null, bottle: false, cancellationToken)
                : NotFound();
        }
        if (path.Contains("/manifests/", StringComparison.Ordinal))
        {
            return await ManifestAsync(request, index, path[1..], cancellationToken);
        }
        var name = path[1..];
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return NotFound();
        }
        return index.ByFileName.TryGetValue(name, out var entry)
            ? await BottleAsync(request, entry, "application/gzip", cancellationToken)
            : await PulledAsync(request, p => p.PullFileAsync(name, cancellationToken), "application/gzip", bottle: true, cancellationToken);
    }

    /// <summary>
    /// A miss handed to pull-through: what it stored is served like any stored object (and the hash file looked at again on the
    /// next request); what the catalog does not name is a 404; a pull that stored nothing is a 502 with its reason.
    /// </summary>
    private async Task<MirrorResponse> PulledAsync(MirrorRequest request, Func<IBottlePuller, Task<PullOutcome>> pull, string contentType, bool bottle,
        CancellationToken cancellationToken)
    {
        if (_puller is null)
        {
            return NotFound();
        }
        var outcome = await pull(_puller);
        MirrorResponse response;
        if (outcome.HasKey)
        {
            _index.Invalidate();
            // A pulled or already listed bottle is served only at the size its entry records, as a listed one is.
            response = await ObjectAsync(request, outcome.Key!, contentType, outcome.Sha256 is { } sha ? $"\"{sha}\"" : null, bottle, cancellationToken, outcome.Size);
        }
        else
        {
            response = outcome.Status == PullStatus.Failed ? MirrorResponse.Text(502, $"pull-through failed: {outcome.Reason}\n") : NotFound();
        }
        return response with { Pull = outcome, PullTotals = _puller.Counters };
    }

    /// <summary><c>&lt;image&gt;/manifests/&lt;ref&gt;</c>: the image index kept for a mirrored formula version.</summary>
    private async Task<MirrorResponse> ManifestAsync(MirrorRequest request, MirrorIndex.Snapshot index, string rest, CancellationToken cancellationToken)
    {
        var at = rest.IndexOf("/manifests/", StringComparison.Ordinal);
        if (at <= 0)
        {
            return NotFound();
        }
        var (image, reference) = (rest[..at], rest[(at + "/manifests/".Length)..]);
        if (!ImagePattern().IsMatch(image) || !ReferencePattern().IsMatch(reference))
        {
            return NotFound();
        }
        if (index.ListsVersion(image, reference)
            && await KeptImageIndexAsync(request, index, $"{BottleNaming.IndexPrefix}{image}/{reference}.json", cancellationToken) is { Status: not 404 } kept)
        {
            return kept;
        }
        return await PulledAsync(request, p => p.PullImageIndexAsync(image, reference, cancellationToken), OciImageIndex.MediaType, bottle: false, cancellationToken);
    }

    /// <summary>A kept image index, from <see cref="ImageIndexCache"/> unless a byte range of it is asked for; the store is asked for its size once.</summary>
    private async Task<MirrorResponse> KeptImageIndexAsync(MirrorRequest request, MirrorIndex.Snapshot index, string key, CancellationToken cancellationToken)
    {
        var whole = request.Header("range") is null;
        if (whole && _imageIndexes.TryGet(index, key) is { } held)
        {
            return Held(request, key, held);
        }
        var head = await _reader.HeadAsync(key, cancellationToken);
        return whole && head is not null && await _imageIndexes.ReadAsync(index, head, _reader, cancellationToken) is { } read
            ? Held(request, key, read)
            : await StoredAsync(request, key, head, OciImageIndex.MediaType, null, bottle: false, cancellationToken);
    }

    /// <summary>A held image index, answered with the headers made when it was read (the same as a stored object's).</summary>
    private MirrorResponse Held(MirrorRequest request, string key, ImageIndexCache.Document held)
    {
        if (ObjectValidators.NotModified(request, held.ETag, held.Modified, _time.GetUtcNow()))
        {
            return new MirrorResponse(304, held.Validators);
        }
        return request.Method == "HEAD"
            ? new MirrorResponse(200, held.Whole) { BodyLength = 0 }
            : new MirrorResponse(200, held.Whole) { Content = held.Content, BodyLength = held.Content.Length, ObjectKey = key };
    }

    /// <summary>
    /// A bottle the hash file lists, served only while the stored object is the size the entry records: a file truncated,
    /// grown or replaced in place is not what the hash file vouches for (a 404, as for a link), and brew would refuse it anyway.
    /// </summary>
    private Task<MirrorResponse> BottleAsync(MirrorRequest request, HashFiles.HashEntry entry, string contentType, CancellationToken cancellationToken) =>
        ObjectAsync(request, entry.S3Key, contentType, $"\"{entry.Sha256}\"", bottle: true, cancellationToken, entry.FileSize);

    /// <summary>The stored object at <paramref name="key"/>; with <paramref name="recordedSize"/> (its hash-file entry's), a 404 unless it is that size.</summary>
    private async Task<MirrorResponse> ObjectAsync(MirrorRequest request, string key, string contentType, string? etag, bool bottle, CancellationToken cancellationToken,
        long? recordedSize = null)
    {
        var head = await _reader.HeadAsync(key, cancellationToken);
        return recordedSize is { } size && head is not null && head.Size != size
            ? NotFound()
            : await StoredAsync(request, key, head, contentType, etag, bottle, cancellationToken);
    }

    /// <summary>The stored object at <paramref name="key"/>, whose size and time <paramref name="head"/> gives (null: it does not exist).</summary>
    private async Task<MirrorResponse> StoredAsync(MirrorRequest request, string key, StoredObject? head, string contentType, string? etag, bool bottle,
        CancellationToken cancellationToken)
    {
        if (head is null)
        {
            return NotFound();
        }
        var (headers, modified) = ObjectValidators.Of(contentType, head.Size, head.LastModified, etag);
        if (ObjectValidators.NotModified(request, headers["ETag"], modified, _time.GetUtcNow()))
        {
            return new MirrorResponse(304, headers);
        }
        if (request.Method == "HEAD")
        {
            headers["Content-Length"] = head.Size.ToString(CultureInfo.InvariantCulture);
            return new MirrorResponse(200, headers) { BodyLength = 0 };
        }
        // A presigned link is for GET only (the signature covers the method), so HEAD is answered above.
        if ((bottle && _options.LinkToStore) || (_options.InlineLimit is { } limit && head.Size > limit))
        {
            if (await _reader.GetDownloadLinkAsync(key, _options.LinkLifetime, cancellationToken) is { } link)
            {
                return new MirrorResponse(302, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                {
                    ["Location"] = link.AbsoluteUri,
                    ["Cache-Control"] = "no-store",
                });
            }
        }
        var range = ByteRange.Parse(ObjectValidators.RangeApplies(request, headers["ETag"], modified, strong: etag is not null) ? request.Header("range") : null, head.Size, out var unsatisfiable);
        if (unsatisfiable)
        {
            headers["Content-Range"] = $"bytes */{head.Size}";
            return new MirrorResponse(416, headers);
        }
        var (offset, length, status) = range is { } r ? (r.Start, r.Length, 206) : (0L, head.Size, 200);
        if (range is { } part)
        {
            headers["Content-Range"] = $"bytes {part.Start}-{part.End}/{head.Size}";
        }
        headers["Content-Length"] = length.ToString(CultureInfo.InvariantCulture);
        return new MirrorResponse(status, headers)
        {
            OpenBody = ct => _reader.OpenReadAsync(key, offset, range is null ? null : length, ct),
            BodyLength = length,
            ObjectKey = key,
        };
    }

    private static MirrorResponse Health(MirrorIndex.Snapshot index, PullCounters? pulls)
    {
        var body = JsonSerializer.Serialize(new HealthDocument(
            index.HashFile is null ? "no hash file yet" : "ok",
            index.ByFileName.Count,
            index.HashFile?.LastModified,
            pulls is null ? null : new Dictionary<string, long>
            {
                ["pulled"] = pulls.Pulled,
                ["failed"] = pulls.Failed,
                ["joined"] = pulls.Joined,
                ["not_in_catalog"] = pulls.NotInCatalog,
                ["in_flight"] = pulls.InFlight,
            }), HealthJsonContext.Default.HealthDocument);
        return new MirrorResponse(200, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json", ["Cache-Control"] = "no-store" })
        {
            Content = System.Text.Encoding.UTF8.GetBytes(body),
            BodyLength = System.Text.Encoding.UTF8.GetByteCount(body),
        };
    }

    /// <summary>
    /// 401 with the challenge a registry client expects. On the bottle domain the body says what to use instead, since brew sends no
    /// credential there; the body never repeats what was sent.
    /// </summary>
    private static MirrorResponse Unauthorized(bool sent, bool registry)
    {
        var text = (sent ? "this token is not accepted by this mirror\n" : "this mirror needs a token\n")
            + (registry
                ? "set HOMEBREW_DOCKER_REGISTRY_TOKEN to a token listed in the mirror's token file\n"
                : "brew sends no token with HOMEBREW_BOTTLE_DOMAIN: use HOMEBREW_ARTIFACT_DOMAIN=<this mirror> with HOMEBREW_DOCKER_REGISTRY_TOKEN=<token> "
                    + "(and HOMEBREW_ARTIFACT_DOMAIN_NO_FALLBACK=1), and unset HOMEBREW_BOTTLE_DOMAIN\n");
        return MirrorResponse.Text(401, text, new Dictionary<string, string> { ["WWW-Authenticate"] = Challenge });
    }

    /// <summary>git sends credentials only after a challenge it can answer: Basic, with NAME:TOKEN from the URL or its credential helper.</summary>
    private static MirrorResponse GitUnauthorized(bool sent) =>
        MirrorResponse.Text(401, (sent ? "this token is not accepted by this mirror\n" : "this mirror needs a token\n")
            + "git: clone https://NAME:TOKEN@<mirror>/brew.git (HOMEBREW_BREW_GIT_REMOTE), or send it with http.extraHeader\n",
            new Dictionary<string, string> { ["WWW-Authenticate"] = "Basic realm=\"homebrew-sync\"" });

    private static MirrorResponse NotFound() => MirrorResponse.Text(404, "not in this mirror\n");
}
