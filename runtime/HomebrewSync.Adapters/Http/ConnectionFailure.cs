using HomebrewSync.Contracts;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.Adapters.Http;

/// <summary>A connection that failed or a body cut short: retried as a transient failure, named by the host, the message redacted.</summary>
internal static class ConnectionFailure
{
    public static TransientFailureException Of(Uri url, Exception ex) =>
        new($"connection to {url.Authority} failed: {UrlDisplay.RedactText(ex.Message)}", null, ex, connectionFailure: true);
}
