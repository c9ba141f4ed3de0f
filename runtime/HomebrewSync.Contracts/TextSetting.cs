using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Contracts;

/// <summary>
/// One text, list or on/off setting, defined once (in <see cref="Settings"/>) as <see cref="Setting{T}"/> defines a number:
/// the variable, its option, default, help text and config key. <see cref="SyncSettings"/>' defaults, the reader's
/// fallbacks, --help and <see cref="RuntimeEnvironment"/> read them from here.
/// </summary>
/// <param name="EnvVar">The variable the runtime reads (a name from <see cref="EnvVars"/>).</param>
public sealed record TextSetting(string EnvVar) : ISetting
{
    /// <summary>The value when the variable is unset, as the variable would carry it (a list comma-separated, a flag "true" or "false"); null for none.</summary>
    public string? Default { get; init; }

    public string? Option { get; init; }

    /// <summary>The option's value in --help; null (with an <see cref="Option"/>) for a flag.</summary>
    public string? ValueName { get; init; }

    public string FlagValue { get; init; } = "true";

    /// <summary>--help's line; <c>{default}</c> is rendered from <see cref="Default"/>.</summary>
    public string Help { get; init; } = "";

    public string? ConfigKey { get; init; }

    /// <summary>That key's value in a stage's config, as the variable carries it.</summary>
    public Func<DeploymentConfig, string>? FromConfig { get; init; }

    string? ISetting.DefaultText => Default;

    public string HelpText => Help.Replace("{default}", Default ?? "none", StringComparison.Ordinal);

    /// <summary>The default of a list setting, item by item.</summary>
    public IReadOnlyList<string> DefaultList => Default?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>The default of an on/off setting.</summary>
    public bool DefaultFlag => string.Equals(Default, "true", StringComparison.Ordinal);

    /// <summary>The config's value as the environment variable carries it.</summary>
    public string ConfigText(DeploymentConfig config) =>
        (FromConfig ?? throw new InvalidOperationException($"{EnvVar} is not set by a deployment"))(config);
}
