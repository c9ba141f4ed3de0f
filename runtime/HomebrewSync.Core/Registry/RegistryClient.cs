using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Registry;

/// <summary>
/// Talks to the bottle registry (ghcr.io or one that behaves like it): the bearer token goes to the
/// registry's own origin only, redirects to a blob host are followed without it, and status codes
/// become transient (retry) or final failures.
/// </summary>
public sealed class RegistryClient
{
    public const string OciIndexMediaType = "application/vnd.oci.image.index.v1+json";
    private const int MaxRedirects = 5;
    private readonly HttpClient _http;
    private readonly RegistryToken _token;
    private readonly TimeProvider _time;

    public RegistryClient(HttpClient http, RegistryToken token, TimeProvider time)
    {
        _http = http;
        _token = token;
        _time = time;
    }

    /// <summary>Sends a request, following redirects itself; the caller owns the (successful) response.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, current);
            if (SameOrigin(current, url))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token.Value);
            }
            configure?.Invoke(request);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new TransientDownloadException($"connection to {current.Authority} failed: {ex.Message}", null, ex);
            }
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new BottleDownloadException(FailureKind.HttpError, $"more than {MaxRedirects} redirects from {url.Authority}");
                }
                current = location.IsAbsoluteUri ? location : new Uri(current, location);
                continue;
            }
            try
            {
                ThrowIfFailed(response);
            }
            catch
            {
                response.Dispose();
                throw;
            }
            return response;
        }
    }

    /// <summary>
    /// Bottle sizes from the OCI image index of one formula version, by sha256
    /// (annotations <c>sh.brew.bottle.digest</c> and <c>sh.brew.bottle.size</c>).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> GetIndexSizesAsync(Uri imageBase, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imageBase);
        var url = new Uri(imageBase.AbsoluteUri.TrimEnd('/') + "/manifests/" + Uri.EscapeDataString(reference));
        using var response = await SendAsync(HttpMethod.Get, url, r => r.Headers.Accept.ParseAdd(OciIndexMediaType), cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in manifests.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
                    && a.TryGetProperty("sh.brew.bottle.digest", out var digest) && digest.ValueKind == JsonValueKind.String
                    && a.TryGetProperty("sh.brew.bottle.size", out var size) && size.ValueKind == JsonValueKind.String
                    && long.TryParse(size.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
                {
                    var hex = digest.GetString()!;
                    sizes[hex.StartsWith("sha256:", StringComparison.Ordinal) ? hex["sha256:".Length..] : hex] = bytes;
                }
            }
        }
        return sizes;
    }

    /// <summary>A blob's size from HEAD, else from a one-byte ranged GET; null when the server tells neither.</summary>
    public async Task<long?> GetBlobSizeAsync(Uri blobUrl, CancellationToken cancellationToken)
    {
        using (var head = await SendAsync(HttpMethod.Head, blobUrl, null, cancellationToken))
        {
            if (head.Content.Headers.ContentLength is { } length)
            {
                return length;
            }
        }
        using var ranged = await SendAsync(HttpMethod.Get, blobUrl, r => r.Headers.Range = new RangeHeaderValue(0, 0), cancellationToken);
        return ranged.Content.Headers.ContentRange?.Length ?? (ranged.StatusCode == HttpStatusCode.OK ? ranged.Content.Headers.ContentLength : null);
    }

    /// <summary>The image URL of a blob URL (<c>.../&lt;image&gt;/blobs/sha256:&lt;hex&gt;</c>), or null when it has another shape.</summary>
    public static Uri? ImageBaseOf(Uri blobUrl)
    {
        ArgumentNullException.ThrowIfNull(blobUrl);
        var s = blobUrl.GetLeftPart(UriPartial.Path);
        var i = s.LastIndexOf("/blobs/", StringComparison.Ordinal);
        return i > 0 ? new Uri(s[..i]) : null;
    }

    private void ThrowIfFailed(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return;
        }
        var what = $"HTTP {status} from {response.RequestMessage?.RequestUri?.Authority}";
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound or HttpStatusCode.Gone => new BottleDownloadException(FailureKind.NotFound, $"not found ({what})"),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new BottleDownloadException(FailureKind.Unauthorized, $"access denied ({what})"),
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => new TransientDownloadException(what, RetryAfterOf(response)),
            _ when status >= 500 => new TransientDownloadException(what, RetryAfterOf(response)),
            _ => new BottleDownloadException(FailureKind.HttpError, what),
        };
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static bool IsRedirect(HttpStatusCode code) =>
        code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
