using System.Net;
using HomebrewSync.Contracts;

namespace HomebrewSync.Adapters.Http;

/// <summary>The one long-lived HttpClient of a process.</summary>
public static class HttpClientFactory
{
    public static HttpClient Create(SyncSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SocketsHttpHandler? handler = new SocketsHttpHandler
        {
            // Redirects are followed by RegistryClient, which decides per hop whether the token may go along.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // Downloads and the sizing beside them each get their own connections to the registry: with one shared pool of
            // the sizing's size, the first second's index requests held every connection while downloads queued behind them.
            MaxConnectionsPerServer = Math.Max(settings.MaxConcurrentDownloads + settings.SizingConcurrency, 4),
        };
        try
        {
            var client = new HttpClient(handler, disposeHandler: true)
            {
                // Per-attempt limits come from the resilience pipeline, not from HttpClient.
                Timeout = Timeout.InfiniteTimeSpan,
            };
            client.DefaultRequestHeaders.UserAgent.ParseAdd($"homebrew-sync/{ProductInfo.SyncVersion}");
            handler = null;
            return client;
        }
        finally
        {
            handler?.Dispose();
        }
    }
}
