using System.Net;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;
using Polly;

namespace HomebrewSync.Adapters.Http;

/// <summary>Homebrew's API files over HTTP(S), from the directory of the catalog URL (<c>https://formulae.brew.sh/api/</c>), each read up to a limit.</summary>
public sealed class HttpApiFileSource(HttpClient http, Uri apiDirectory, ResiliencePipeline pipeline, long maxBytes) : IApiFileSource
{
    public async Task<byte[]?> GetAsync(string path, CancellationToken cancellationToken)
    {
        var url = new Uri(apiDirectory, path);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ResiliencePipelines.Subject, "API file " + path);
        try
        {
            return await pipeline.ExecuteAsync(async (ctx, _) =>
            {
                try
                {
                    using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ctx.CancellationToken);
                    var status = (int)response.StatusCode;
                    if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
                    {
                        return null;
                    }
                    if (status is >= 500 or 429 or 408)
                    {
                        throw new TransientFailureException($"HTTP {status} from {url.Authority}", response.Headers.RetryAfter?.Delta);
                    }
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new BottleDownloadException(FailureKind.HttpError, $"HTTP {status} from {url.Authority}");
                    }
                    return await BoundedBody.ReadAsync(response.Content, maxBytes, () => $"API file {UrlDisplay.Redact(url)} ({EnvVars.MaxApiFileMb})", ctx.CancellationToken);
                }
                // IOException: a body that ended before its Content-Length or last chunk (HttpIOException), retried as a reset connection is.
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    throw ConnectionFailure.Of(url, ex);
                }
            }, context, 0);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
