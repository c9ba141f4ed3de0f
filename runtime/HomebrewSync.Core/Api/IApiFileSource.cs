namespace HomebrewSync.Core.Api;

/// <summary>Homebrew's API files, by path under the API's directory (<c>internal/packages.arm64_sonoma.jws.json</c>).</summary>
public interface IApiFileSource
{
    /// <summary>The file's bytes exactly as served, or null when the API has no such file (404).</summary>
    /// <exception cref="Registry.TransientFailureException">It could not be fetched (after retries).</exception>
    Task<byte[]?> GetAsync(string path, CancellationToken cancellationToken);
}
