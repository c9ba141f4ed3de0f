using System.Runtime.CompilerServices;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;
using Polly;
using Polly.Timeout;

namespace HomebrewSync.Adapters.Http;

/// <summary>formula.json over HTTP(S), streamed; a transient failure to connect is retried, a stalled or oversized body ends the run.</summary>
public sealed class HttpCatalogSource : IFormulaSource
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly string _shown;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeSpan _readTimeout;
    private readonly long _maxBytes;

    /// <param name="readTimeout">The whole catalog must arrive within this (a stalled body would otherwise hang the run).</param>
    /// <param name="maxBytes">A longer catalog is refused whole (one that never ends would otherwise take the memory).</param>
    public HttpCatalogSource(HttpClient http, Uri url, ResiliencePipeline pipeline, TimeSpan readTimeout, long maxBytes)
    {
        _http = http;
        _url = url;
        _shown = Contracts.UrlDisplay.Redact(url);
        _pipeline = pipeline;
        _readTimeout = readTimeout;
        _maxBytes = maxBytes;
    }

    public async IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_readTimeout);
        Stream opened;
        try
        {
            opened = await OpenAsync(deadline.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Headers that never come (or retries that outlast it) meet the same deadline as a body that stalls.
            throw Late(ex);
        }
        await using var stream = opened;
        await using var formulae = FormulaCatalogReader.ReadAsync(stream, _maxBytes, rejected, deadline.Token).GetAsyncEnumerator(deadline.Token);
        while (true)
        {
            try
            {
                if (!await formulae.MoveNextAsync())
                {
                    break;
                }
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw Late(ex);
            }
            catch (Exception ex) when ((ex is IOException or HttpRequestException) && !cancellationToken.IsCancellationRequested)
            {
                throw new CatalogUnavailableException($"The catalog {_shown} could not be read: {Contracts.UrlDisplay.RedactText(ex.Message)}", ex);
            }
            yield return formulae.Current;
        }
    }

    private CatalogUnavailableException Late(OperationCanceledException ex) =>
        new($"The catalog {_shown} did not arrive within {_readTimeout.TotalSeconds:0.###} s ({Contracts.EnvVars.DownloadTimeoutSeconds})", ex);

    private async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ResiliencePipelines.Subject, "catalog " + _url.Authority);
        try
        {
            response = await _pipeline.ExecuteAsync(async (ctx, _) =>
            {
                try
                {
                    var r = await _http.GetAsync(_url, HttpCompletionOption.ResponseHeadersRead, ctx.CancellationToken);
                    var status = (int)r.StatusCode;
                    if (status is >= 500 or 429 or 408)
                    {
                        r.Dispose();
                        throw new TransientFailureException($"HTTP {status}");
                    }
                    return r;
                }
                catch (HttpRequestException ex)
                {
                    throw new TransientFailureException(Contracts.UrlDisplay.RedactText(ex.Message), null, ex, connectionFailure: true);
                }
            }, context, 0);
            if (!response.IsSuccessStatusCode)
            {
                throw new CatalogUnavailableException($"The catalog {_shown} answered HTTP {(int)response.StatusCode}");
            }
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            response = null; // the stream owns the connection now
            return body;
        }
        catch (Exception ex) when (ex is TransientFailureException or TimeoutRejectedException)
        {
            throw new CatalogUnavailableException($"The catalog {_shown} could not be fetched: {Contracts.UrlDisplay.RedactText(ex.Message)}", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            response?.Dispose();
        }
    }
}
