using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.Adapters.Http;

/// <summary>
/// Talks to the bottle registry (ghcr.io or one that behaves like it): the bearer token goes only to the
/// registry hosts (<see cref="SyncSettings.RegistryHosts"/>), over https (or to loopback), and only on the
/// origin first asked; redirects are followed to http(s) only (never from https to http) and without it; image indexes are read up to
/// a limit; status codes become transient (retry) or final failures.
/// </summary>
public sealed class RegistryClient : IBottleRegistry
{
    private const int MaxRedirects = 5;
    private readonly HttpClient _http;
    private readonly RegistryToken _token;
    private readonly HashSet<string> _registryHosts;
    private readonly long _maxIndexBytes;
    private readonly TimeProvider _time;

    public RegistryClient(HttpClient http, SyncSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _http = http;
        _token = settings.RegistryToken;
        _registryHosts = new HashSet<string>(settings.RegistryHosts, StringComparer.OrdinalIgnoreCase);
        _maxIndexBytes = settings.MaxImageIndexBytes;
        _time = time;
    }

    /// <summary>Whether the token may go with a request to this URL: a registry host, over https or to this machine.</summary>
    public bool MaySendToken(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return _registryHosts.Contains(url.IdnHost.Trim('[', ']'))
            && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));
    }

    /// <summary>Sends a request, following redirects itself; the caller owns the (successful) response.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, current);
            if (SameOrigin(current, url) && MaySendToken(current))
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
                throw ConnectionFailure.Of(current, ex);
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or FormatException)
            {
                // A URL or header the HTTP stack will not send (from the catalog or a redirect): this request fails, not the run.
                throw new BottleDownloadException(FailureKind.HttpError, $"request to {current.Authority} refused by the HTTP client: {UrlDisplay.RedactText(ex.Message)}", ex);
            }
            if (IsRedirect(response.StatusCode))
            {
                var location = response.Headers.Location;
                var raw = response.Headers.TryGetValues("Location", out var values) ? string.Join(",", values) : null;
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new BottleDownloadException(FailureKind.HttpError, $"more than {MaxRedirects} redirects from {url.Authority}");
                }
                current = NextHop(current, location, raw);
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

    public async Task<BlobDownload> OpenBlobAsync(Uri blobUrl, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, blobUrl, null, cancellationToken);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new BlobDownload(body, response.Content.Headers.ContentLength, response);
        }
        catch (HttpRequestException ex)
        {
            response.Dispose();
            throw ConnectionFailure.Of(blobUrl, ex);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<byte[]> GetImageIndexAsync(Uri imageBase, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imageBase);
        var url = new Uri(imageBase.AbsoluteUri.TrimEnd('/') + "/manifests/" + Uri.EscapeDataString(reference));
        using var response = await SendAsync(HttpMethod.Get, url, r => r.Headers.Accept.ParseAdd(IBottleRegistry.ImageIndexMediaType), cancellationToken);
        try
        {
            return await BoundedBody.ReadAsync(response.Content, _maxIndexBytes, () => $"image index {UrlDisplay.Redact(url)} ({EnvVars.MaxImageIndexMb})", cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // IOException: a body that ended before its Content-Length or its last chunk (HttpIOException), like a reset connection.
            throw ConnectionFailure.Of(url, ex);
        }
    }

    /// <summary>The image's tags (<c>&lt;image&gt;/tags/list</c>, one page of up to 1,000), read up to the image-index limit.</summary>
    public async Task<IReadOnlyList<string>> GetTagsAsync(Uri imageBase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imageBase);
        var url = new Uri(imageBase.AbsoluteUri.TrimEnd('/') + "/tags/list?n=1000");
        using var response = await SendAsync(HttpMethod.Get, url, r => r.Headers.Accept.ParseAdd("application/json"), cancellationToken);
        byte[] body;
        try
        {
            body = await BoundedBody.ReadAsync(response.Content, _maxIndexBytes, () => $"tags list {UrlDisplay.Redact(url)} ({EnvVars.MaxImageIndexMb})", cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw ConnectionFailure.Of(url, ex);
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToArray()
                : [];
        }
        catch (InvalidOperationException ex)
        {
            // A string the reader let through but cannot turn into text (bytes that are not UTF-8, a lone surrogate): malformed.
            throw new JsonException($"tags list {UrlDisplay.Redact(url)}: {ex.Message}", ex);
        }
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
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => new TransientFailureException(what, RetryAfterOf(response)),
            _ when status >= 500 => new TransientFailureException(what, RetryAfterOf(response)),
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

    /// <summary>Where a redirect leads: an http(s) URL, else the bottle (or index) fails here, never the run.</summary>
    private static Uri NextHop(Uri current, Uri? location, string? raw)
    {
        var from = current.Authority;
        if (location is null)
        {
            throw new BottleDownloadException(FailureKind.HttpError, raw is null
                ? $"redirect from {from} without a Location"
                : $"redirect from {from} to a Location that is not a URL ('{Shorten(UrlDisplay.Redact(raw))}')");
        }
        Uri next;
        try
        {
            next = location.IsAbsoluteUri ? location : new Uri(current, location);
        }
        catch (UriFormatException)
        {
            throw new BottleDownloadException(FailureKind.HttpError, $"redirect from {from} to a Location that is not a URL ('{Shorten(UrlDisplay.Redact(location.OriginalString))}')");
        }
        if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
        {
            throw new BottleDownloadException(FailureKind.HttpError, $"redirect from {from} to a {next.Scheme}: URL refused (only http and https are followed)");
        }
        // A request made over https is not continued in the clear: what is fetched, and from where, stays private on the way.
        if (current.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp)
        {
            throw new BottleDownloadException(FailureKind.HttpError, $"redirect from https://{from} to plain http ({next.Authority}) refused: a request made over https is not continued in the clear");
        }
        return next;
    }

    private static string Shorten(string s) => s.Length <= 100 ? s : s[..100] + "...";

    private static bool IsRedirect(HttpStatusCode code) =>
        code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
