using HomebrewSync.Contracts;
using HomebrewSync.Core.Serving;

namespace HomebrewSync.Hosting;

/// <summary>How the brew endpoint answers, bound from the environment (and serve's options): allowed clients, links or bytes, refresh.</summary>
public static class ServeSettings
{
    /// <param name="allowName">How errors in the allow-list name it (the CLI adds its option).</param>
    /// <param name="tokenFileName">How errors in the token file's setting name it.</param>
    public static ServeOptions Read(SettingsReader reader, long? inlineLimit = null, string allowName = EnvVars.ServeAllowedCidrs, string tokenFileName = EnvVars.ServeTokenFile)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var errors = new List<string>();
        var networks = ServeOptions.ParseNetworks(reader.Raw(EnvVars.ServeAllowedCidrs), errors, allowName);
        foreach (var e in errors)
        {
            reader.AddError(e);
        }
        var refresh = reader.Seconds(Settings.ServeRefreshSeconds);
        if (Settings.ServeRefreshSeconds.Check(refresh.TotalSeconds) is { } error)
        {
            reader.AddError(error);
        }
        var tokenFile = reader.Raw(EnvVars.ServeTokenFile);
        var tokenSecret = reader.Raw(EnvVars.ServeTokenSecretName);
        if (tokenFile is not null && tokenSecret is not null)
        {
            reader.AddError($"{tokenFileName} and {EnvVars.ServeTokenSecretName}: set one place for the tokens, not both");
        }
        if (tokenFile is not null && !File.Exists(tokenFile))
        {
            reader.AddError($"{tokenFileName}: '{tokenFile}' does not exist or is not a file");
        }
        return new ServeOptions(networks, LinkToStore: !reader.Bool(Settings.ServeProxy), ServeOptions.DefaultLinkLifetime, refresh, inlineLimit, tokenFile, tokenSecret,
            PullThrough(reader));
    }

    /// <summary>SERVE_PULL_THROUGH and its limits, each checked against its definition; null when pull-through is off.</summary>
    private static PullThroughOptions? PullThrough(SettingsReader reader)
    {
        var limit = reader.Seconds(Settings.ServePullTimeoutSeconds);
        var concurrency = reader.Int(Settings.ServePullConcurrency);
        var catalogRefresh = reader.Seconds(Settings.ServePullCatalogRefreshSeconds);
        foreach (var error in new[]
        {
            Settings.ServePullTimeoutSeconds.Check(limit.TotalSeconds),
            Settings.ServePullConcurrency.Check(concurrency),
            Settings.ServePullCatalogRefreshSeconds.Check(catalogRefresh.TotalSeconds),
        }.OfType<string>())
        {
            reader.AddError(error);
        }
        return reader.Bool(Settings.ServePullThrough) ? new PullThroughOptions(limit, concurrency, catalogRefresh) : null;
    }
}
