using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.Adapters.Http;

/// <summary>
/// Talks to the bottle registry (ghcr.io or one that behaves like it): the bearer token goes to the
/// registry's own origin only, redirects to a blob host are followed without it, and status codes
/// become transient (retry) or final failures.
/// </summary>
public sealed class RegistryClient : IBottleRegistry
{
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
                throw new TransientFailureException($"connection to {current.Authority} failed: {ex.Message}", null, ex, connectionFailure: true);
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
            throw new TransientFailureException($"connection to {blobUrl.Authority} failed: {ex.Message}", null, ex, connectionFailure: true);
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
        using var response = await SendAsync(HttpMethod.Get, url, r => r.Headers.Accept.ParseAdd(OciImageIndex.MediaType), cancellationToken);
        try
        {
            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new TransientFailureException($"connection to {url.Authority} failed: {ex.Message}", null, ex, connectionFailure: true);
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

    private static bool IsRedirect(HttpStatusCode code) =>
        code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
