using HomebrewSync.Contracts;

namespace HomebrewSync.Hosting;

/// <summary>Everything the composition root needs, bound from one set of name/value pairs (the environment, with a CLI's options laid over it).</summary>
/// <param name="HomebrewRepository">A local brew installation (HOMEBREW_REPOSITORY), where Homebrew's API key is found when none is configured.</param>
public sealed record HostSettings(SyncSettings Sync, NotificationSettings Notifications, StoreSettings Store, Uri? SsmEndpoint, string? HomebrewRepository = null)
{
    /// <summary>Reads and validates; parse and rule errors stay in <paramref name="reader"/>, all of them, for the caller to report at once.</summary>
    /// <param name="defaultStore">The store when none is configured; null when one is required.</param>
    public static HostSettings Read(SettingsReader reader, string? defaultStore)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var sync = SyncSettingsReader.Read(reader);
        var notifications = NotificationSettings.Read(reader);
        var store = StoreSettings.Read(reader, defaultStore);
        var ssm = reader.AwsEndpoint(EnvVars.AwsEndpointUrlSsm);
        foreach (var e in SyncSettingsValidator.Validate(sync))
        {
            reader.AddError(e);
        }
        return new HostSettings(sync, notifications, store, ssm, reader.Raw("HOMEBREW_REPOSITORY"));
    }

    /// <exception cref="SettingsException">Every error, listed.</exception>
    public static HostSettings ReadOrThrow(IReadOnlyDictionary<string, string?> values, string? defaultStore)
    {
        var reader = new SettingsReader(values);
        var settings = Read(reader, defaultStore);
        return reader.Errors.Count == 0 ? settings : throw new SettingsException(reader.Errors.ToArray());
    }
}
