using System.Globalization;
using System.Numerics;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Contracts;

/// <summary>
/// One numeric setting, defined once (in <see cref="Settings"/>): the environment variable the runtime reads, its
/// command-line option, default, range, help text and the deployment config key that sets it. Reading
/// (<see cref="SettingsReader"/>), validation, --help, the deployment config's checks and the deployed environment
/// (<see cref="RuntimeEnvironment"/>) all come from here.
/// </summary>
/// <param name="EnvVar">The variable the runtime reads (a name from <see cref="EnvVars"/>).</param>
/// <param name="Min">The smallest value (excluded when <see cref="MinExclusive"/>).</param>
/// <param name="Max">The largest value; null for no upper bound.</param>
public sealed record Setting<T>(string EnvVar, T Min, T? Max) : IDeployedSetting, ISetting
    where T : struct, INumber<T>
{
    /// <summary>The value when the variable is unset; null where unset means "no limit".</summary>
    public T? Default { get; init; }

    /// <summary>The range is (Min..Max]: Min itself is refused.</summary>
    public bool MinExclusive { get; init; }

    /// <summary>Named after a value in errors and help ("s", "MiB", "GB", "days"); null for a count.</summary>
    public string? Unit { get; init; }

    /// <summary>The command-line option that sets it (an option wins over the variable); null for environment only.</summary>
    public string? Option { get; init; }

    /// <summary>The option's value in --help (N, SECONDS).</summary>
    public string? ValueName { get; init; }

    // A number is never a flag.
    string ISetting.FlagValue => "true";

    public string? DefaultText => Default is { } d ? Text(d) : null;

    /// <summary>--help's line; <c>{range}</c> and <c>{default}</c> are rendered from this definition.</summary>
    public string Help { get; init; } = "";

    /// <summary>The key of <c>config/&lt;stage&gt;.json</c> a deployment sets it with; null when a deployment does not.</summary>
    public string? ConfigKey { get; init; }

    /// <summary>That key's value in a stage's config (the property <see cref="ConfigKey"/> binds).</summary>
    public Func<DeploymentConfig, T>? FromConfig { get; init; }

    /// <summary>Where a deployment's config must stay, when narrower than the runtime's range (a Lambda's limits, a sane schedule).</summary>
    public T? ConfigMin { get; init; }

    /// <inheritdoc cref="ConfigMin"/>
    public T? ConfigMax { get; init; }

    public string Range => Describe(Min, Max, MinExclusive);

    public string HelpText => Help.Replace("{range}", Range, StringComparison.Ordinal).Replace("{default}", DefaultText ?? "none", StringComparison.Ordinal);

    public bool Allows(T value) => Within(value, Min, Max, MinExclusive);

    /// <summary>The error for a value outside the range, named <paramref name="name"/> (the variable by default); null when it is within.</summary>
    public string? Check(T value, string? name = null) => Allows(value) ? null : Error(name ?? EnvVar, value, Min, Max, MinExclusive);

    public string? CheckConfig(DeploymentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (ConfigKey is null || FromConfig is null)
        {
            return null;
        }
        var (min, max) = (ConfigMin ?? Min, ConfigMax ?? Max);
        var exclusive = MinExclusive && ConfigMin is null;
        var value = FromConfig(config);
        return Within(value, min, max, exclusive) ? null : Error(ConfigKey, value, min, max, exclusive);
    }

    /// <summary>Round-trips (not the rounded <see cref="Text"/> of messages): the runtime reads back exactly the config's value.</summary>
    public string ConfigText(DeploymentConfig config) =>
        (FromConfig ?? throw new InvalidOperationException($"{EnvVar} is not set by a deployment"))(config).ToString(null, CultureInfo.InvariantCulture);

    private static bool Within(T value, T min, T? max, bool minExclusive) =>
        (minExclusive ? value > min : value >= min) && (max is not { } m || value <= m);

    private string Error(string name, T value, T min, T? max, bool minExclusive)
    {
        var unit = Unit is null ? "" : " " + Unit;
        return max is null
            ? $"{name}: {Text(value)} must be {(minExclusive ? $"above {Text(min)}" : $"{Text(min)} or more")}{unit}"
            : $"{name}: {Text(value)}{unit} is outside {Describe(min, max, minExclusive)}{unit}";
    }

    private static string Describe(T min, T? max, bool minExclusive) => max is { } m
        ? (minExclusive ? $"({Text(min)}..{Text(m)}]" : $"{Text(min)}..{Text(m)}")
        : (minExclusive ? $"above {Text(min)}" : $"{Text(min)} or more");

    public static string Text(T value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
