using HomebrewSync.Contracts;
using HomebrewSync.Core.Api;

namespace HomebrewSync.Hosting;

/// <summary>
/// Homebrew's API signing key: API_PUBLIC_KEY (the PEM itself, or a path to it), else the copy every brew
/// installation carries (<c>Library/Homebrew/api/homebrew-1.pem</c>, the file brew itself checks with).
/// </summary>
public static class ApiKeyLocator
{
    public const string FileName = "homebrew-1.pem";

    /// <summary>Where brew keeps its key on macOS (Apple silicon, Intel) and Linux, and under HOMEBREW_REPOSITORY.</summary>
    public static IEnumerable<string> BrewLocations(string? homebrewRepository)
    {
        if (homebrewRepository is { Length: > 0 } repository)
        {
            yield return Path.Combine(repository, "Library", "Homebrew", "api", FileName);
        }
        yield return "/opt/homebrew/Library/Homebrew/api/" + FileName;
        yield return "/usr/local/Homebrew/Library/Homebrew/api/" + FileName;
        yield return "/home/linuxbrew/.linuxbrew/Homebrew/Library/Homebrew/api/" + FileName;
    }

    /// <returns>The verifier, or null with <paramref name="problem"/> saying why there is none.</returns>
    /// <exception cref="SettingsException">API_PUBLIC_KEY is set but is not a readable RSA public key.</exception>
    public static JwsVerifier? Locate(SyncSettings settings, string? homebrewRepository, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(settings);
        problem = null;
        if (settings.ApiPublicKey is { } configured)
        {
            var pem = configured.Contains("-----BEGIN", StringComparison.Ordinal) ? configured : Read(configured);
            try
            {
                return JwsVerifier.FromPem(pem);
            }
            catch (ArgumentException ex)
            {
                throw new SettingsException([$"{EnvVars.ApiPublicKey}: {ex.Message}"]);
            }
        }
        foreach (var path in BrewLocations(homebrewRepository).Where(File.Exists))
        {
            return JwsVerifier.FromPem(File.ReadAllText(path));
        }
        problem = $"no Homebrew API signing key: set {EnvVars.ApiPublicKey} to brew's Library/Homebrew/api/{FileName} (or --api-public-key FILE), or --no-api; "
            + "API files are not mirrored this run";
        return null;
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException([$"{EnvVars.ApiPublicKey}: cannot read {path}: {ex.Message}"]);
        }
    }
}
