using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>
/// Sends exactly the requests brew 6 sends to a mirror, as brew 6.0.18 was seen to send them to a logging HTTP server
/// (bottle domain: the image index with the OCI Accept header and the anonymous token, then a HEAD and two GETs of the
/// bottle; artifact domain: the image index, then the blob by digest), and checks what brew checks: the image index entry
/// by ref.name and digest with a tab, then the bottle's bytes against its sha256. With <see cref="Authorization"/> set (brew's
/// HOMEBREW_DOCKER_REGISTRY_TOKEN or HOMEBREW_DOCKER_REGISTRY_BASIC_AUTH_TOKEN) it goes with every artifact-domain request, as brew sends it;
/// the bottle domain's requests stay as brew sends them (the anonymous token on the image index, nothing on the bottle).
/// </summary>
public sealed class BrewClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="handler">How requests travel (a real socket by default; a function-URL invoker in-process).</param>
    public BrewClient(HttpMessageHandler? handler = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = true });
    }

    /// <summary>What brew sends on artifact-domain requests: <c>Bearer TOKEN</c> or <c>Basic base64(NAME:TOKEN)</c>; null for nothing.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public static AuthenticationHeaderValue Basic(string name, string token) =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{name}:{token}")));

    /// <summary>A bottle as brew knows it from the API: name, pkg version, tag, rebuild, sha256.</summary>
    public sealed record Bottle(string Name, string PkgVersion, string Tag, int Rebuild, string Sha256, long Size)
    {
        public string Image => Name.Replace('@', '/').Replace('+', 'x');
        public string Reference => Rebuild > 0 ? $"{PkgVersion}-{Rebuild}" : PkgVersion;
        public string RefName => Rebuild > 0 ? $"{PkgVersion}.{Tag}.{Rebuild}" : $"{PkgVersion}.{Tag}";
        public string FileName => Rebuild > 0 ? $"{Name}-{PkgVersion}.{Tag}.bottle.{Rebuild}.tar.gz" : $"{Name}-{PkgVersion}.{Tag}.bottle.tar.gz";

        /// <summary>Every bottle of <paramref name="formulae"/>, as brew knows it from the API.</summary>
        public static IEnumerable<Bottle> Of(IEnumerable<FakeFormula> formulae) =>
            from f in formulae
            from b in f.Bottles
            select new Bottle(f.Name, f.Version, b.Key, f.Rebuild, b.Value.Sha256, b.Value.Length);
    }

    /// <summary>
    /// brew's <c>vendor-install.sh</c> for portable Ruby, as brew 6.0.18 was seen to ask: <c>A/v2/homebrew/core/portable-ruby/blobs/sha256:&lt;sha&gt;</c>
    /// (without the doubled <c>v2</c> when the domain ends in <c>/v2</c>), then <c>D/portable-ruby-&lt;version&gt;.&lt;tag&gt;.bottle.tar.gz</c>; each a GET
    /// that follows redirects, with <see cref="Authorization"/> when set, its body checked against the sha256 before it is used.
    /// </summary>
    /// <returns>Per URL: the status, and whether the body's sha256 was the expected one.</returns>
    public async Task<IReadOnlyList<(string Url, HttpStatusCode Status, bool Verified)>> VendorInstallAsync(Uri artifactDomain, Uri bottleDomain, string version, string tag, string sha256)
    {
        ArgumentNullException.ThrowIfNull(artifactDomain);
        ArgumentNullException.ThrowIfNull(bottleDomain);
        var a = artifactDomain.AbsoluteUri.TrimEnd('/');
        var urls = new[]
        {
            a.EndsWith("/v2", StringComparison.Ordinal) ? $"{a}/homebrew/core/portable-ruby/blobs/sha256:{sha256}" : $"{a}/v2/homebrew/core/portable-ruby/blobs/sha256:{sha256}",
            $"{bottleDomain.AbsoluteUri.TrimEnd('/')}/portable-ruby-{version}.{tag}.bottle.tar.gz",
        };
        var results = new List<(string, HttpStatusCode, bool)>();
        foreach (var url in urls)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = Authorization;
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            results.Add((url, response.StatusCode, response.IsSuccessStatusCode && Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)) == sha256));
        }
        return results;
    }

    /// <summary>HOMEBREW_BOTTLE_DOMAIN=D: GET D/&lt;image&gt;/manifests/&lt;ref&gt;, HEAD D/&lt;file&gt;, then GET D/&lt;file&gt; twice.</summary>
    public async Task<IReadOnlyList<(string Step, HttpStatusCode Status)>> FetchViaBottleDomainAsync(Uri domain, Bottle b)
    {
        var steps = new List<(string, HttpStatusCode)>();
        var root = domain.AbsoluteUri.TrimEnd('/');
        using (var index = new HttpRequestMessage(HttpMethod.Get, $"{root}/{b.Image}/manifests/{b.Reference}"))
        {
            index.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
            index.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "QQ==");
            using var response = await _http.SendAsync(index);
            steps.Add(("index", response.StatusCode));
            if (response.IsSuccessStatusCode)
            {
                CheckImageIndex(await response.Content.ReadAsByteArrayAsync(), b);
            }
        }
        var file = $"{root}/{Uri.EscapeDataString(b.FileName)}";
        using (var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, file)))
        {
            steps.Add(("head", head.StatusCode));
            if (head.IsSuccessStatusCode && head.Content.Headers.ContentLength != b.Size)
            {
                throw new InvalidOperationException($"HEAD {file}: Content-Length {head.Content.Headers.ContentLength}, expected {b.Size}");
            }
        }
        for (var i = 0; i < 2; i++)
        {
            using var get = await _http.GetAsync(file);
            steps.Add(("get", get.StatusCode));
            if (get.IsSuccessStatusCode)
            {
                CheckBytes(await get.Content.ReadAsByteArrayAsync(), b, file);
            }
        }
        return steps;
    }

    /// <summary>HOMEBREW_ARTIFACT_DOMAIN=A: GET A/v2/homebrew/core/&lt;image&gt;/manifests/&lt;ref&gt; and .../blobs/sha256:&lt;hex&gt;, no HEAD, <see cref="Authorization"/> on both.</summary>
    public async Task<IReadOnlyList<(string Step, HttpStatusCode Status)>> FetchViaArtifactDomainAsync(Uri domain, Bottle b)
    {
        var steps = new List<(string, HttpStatusCode)>();
        var root = domain.AbsoluteUri.TrimEnd('/') + "/v2/homebrew/core/" + b.Image;
        using (var index = new HttpRequestMessage(HttpMethod.Get, $"{root}/manifests/{b.Reference}"))
        {
            index.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
            index.Headers.Authorization = Authorization;
            using var response = await _http.SendAsync(index);
            steps.Add(("index", response.StatusCode));
            if (response.IsSuccessStatusCode)
            {
                CheckImageIndex(await response.Content.ReadAsByteArrayAsync(), b);
            }
        }
        using var blobRequest = new HttpRequestMessage(HttpMethod.Get, $"{root}/blobs/sha256:{b.Sha256}");
        blobRequest.Headers.Authorization = Authorization;
        using (var blob = await _http.SendAsync(blobRequest))
        {
            steps.Add(("blob", blob.StatusCode));
            if (blob.IsSuccessStatusCode)
            {
                CheckBytes(await blob.Content.ReadAsByteArrayAsync(), b, "blob");
            }
        }
        return steps;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

    private static void CheckImageIndex(byte[] document, Bottle b)
    {
        using var doc = JsonDocument.Parse(document);
        var entry = doc.RootElement.GetProperty("manifests").EnumerateArray().FirstOrDefault(m =>
            m.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString() == b.RefName
            && m.GetProperty("annotations").GetProperty("sh.brew.bottle.digest").GetString() == b.Sha256);
        if (entry.ValueKind != JsonValueKind.Object || !entry.GetProperty("annotations").TryGetProperty("sh.brew.tab", out var tab))
        {
            throw new InvalidOperationException($"the image index has no entry {b.RefName} with digest {b.Sha256} and a tab");
        }
        using var _ = JsonDocument.Parse(tab.GetString()!);
    }

    private static void CheckBytes(byte[] bytes, Bottle b, string what)
    {
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        if (sha != b.Sha256)
        {
            throw new InvalidOperationException($"{what}: sha256 {sha}, expected {b.Sha256}");
        }
    }

    public void Dispose() => _http.Dispose();
}
