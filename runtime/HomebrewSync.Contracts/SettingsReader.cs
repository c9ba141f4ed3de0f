using System.Globalization;

namespace HomebrewSync.Contracts;

/// <summary>Typed reads from name/value pairs (environment variables), collecting every parse error instead of stopping at the first.</summary>
public sealed class SettingsReader
{
    private readonly IReadOnlyDictionary<string, string?> _values;
    private readonly List<string> _errors = [];
    private readonly HashSet<string> _requested = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _setUnder = new(StringComparer.Ordinal);

    /// <param name="values">Environment variables (and options bound to them); <see cref="EnvVars.Aliases"/> are folded into their canonical names.</param>
    public SettingsReader(IReadOnlyDictionary<string, string?> values)
    {
        var merged = new Dictionary<string, string?>(values, StringComparer.Ordinal);
        foreach (var alias in EnvVars.Aliases)
        {
            if (!values.TryGetValue(alias.Name, out var raw) || string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }
            var value = alias.ValueOf(raw.Trim());
            if (merged.TryGetValue(alias.Canonical, out var set) && !string.IsNullOrWhiteSpace(set))
            {
                if (set.Trim() != value)
                {
                    var given = value == raw.Trim() ? $"'{value}'" : $"'{raw.Trim()}' ({alias.Canonical}={value})";
                    _errors.Add($"{alias.Name}: {given} disagrees with {NameOf(alias.Canonical)} ('{set.Trim()}'), which it is another name for; set one of them");
                }
                continue;
            }
            merged[alias.Canonical] = value;
            _setUnder[alias.Canonical] = alias.Name;
        }
        _values = merged;
    }

    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Every name read so far, set or not: what a host consumes, for checking a deployment sets nothing it ignores.</summary>
    public IReadOnlyCollection<string> Requested => _requested;

    /// <summary>The name a setting's value was given under: <paramref name="canonical"/>, or the alias that set it (for messages).</summary>
    public string NameOf(string canonical) => _setUnder.GetValueOrDefault(canonical, canonical);

    public string? Raw(string name)
    {
        _requested.Add(name);
        foreach (var alias in EnvVars.Aliases.Where(a => a.Canonical == name))
        {
            _requested.Add(alias.Name);
        }
        return _values.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
    }

    public string String(string name, string fallback) => Raw(name) ?? fallback;

    /// <summary>A setting's value, its default when unset (range errors are the validator's: see <see cref="Setting{T}.Check"/>).</summary>
    public int Int(Setting<int> setting) => Int(setting.EnvVar, DefaultOf(setting));

    /// <inheritdoc cref="Int(Setting{int})"/>
    public double Double(Setting<double> setting) => Double(setting.EnvVar, DefaultOf(setting));

    /// <summary>A setting in seconds.</summary>
    public TimeSpan Seconds(Setting<double> setting) => Seconds(setting.EnvVar, TimeSpan.FromSeconds(DefaultOf(setting)));

    /// <summary>A setting without a default: null when unset.</summary>
    public double? Optional(Setting<double> setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Raw(setting.EnvVar) is null ? null : Double(setting.EnvVar, 0);
    }

    /// <inheritdoc cref="Optional(Setting{double})"/>
    public int? Optional(Setting<int> setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Raw(setting.EnvVar) is null ? null : Int(setting.EnvVar, 0);
    }

    /// <summary>A setting in seconds without a default: null when unset.</summary>
    public TimeSpan? OptionalSeconds(Setting<double> setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Raw(setting.EnvVar) is null ? null : Seconds(setting.EnvVar, TimeSpan.Zero);
    }

    /// <summary>A text setting's value, its default when unset (null when it has none).</summary>
    public string? String(TextSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Raw(setting.EnvVar) ?? setting.Default;
    }

    /// <summary>An on/off setting, its default when unset.</summary>
    public bool Bool(TextSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Bool(setting.EnvVar, setting.DefaultFlag);
    }

    /// <summary>A comma-separated setting, its default when unset.</summary>
    public IReadOnlyList<string> List(TextSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return List(setting.EnvVar, setting.DefaultList);
    }

    /// <summary>A URL setting, its default when unset.</summary>
    public Uri Uri(TextSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return Uri(setting.EnvVar, new Uri(setting.Default ?? throw new ArgumentException($"{setting.EnvVar} has no default", nameof(setting))));
    }

    private static T DefaultOf<T>(Setting<T> setting)
        where T : struct, System.Numerics.INumber<T> =>
        setting?.Default ?? throw new ArgumentException($"{setting?.EnvVar} has no default", nameof(setting));

    public int Int(string name, int fallback)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return fallback;
        }
        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        _errors.Add($"{name}: '{raw}' is not a whole number");
        return fallback;
    }

    public double Double(string name, double fallback)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return fallback;
        }
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }
        _errors.Add($"{name}: '{raw}' is not a number");
        return fallback;
    }

    public TimeSpan Seconds(string name, TimeSpan fallback)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return fallback;
        }
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds < TimeSpan.MaxValue.TotalSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        _errors.Add($"{name}: '{raw}' is not a number of seconds");
        return fallback;
    }

    public bool Bool(string name, bool fallback)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return fallback;
        }
        switch (raw.ToLowerInvariant())
        {
            case "1" or "true" or "yes" or "on":
                return true;
            case "0" or "false" or "no" or "off":
                return false;
            default:
                _errors.Add($"{name}: '{raw}' is not true or false");
                return fallback;
        }
    }

    public IReadOnlyList<string> List(string name, IReadOnlyList<string> fallback)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return fallback;
        }
        var items = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (items.Length == 0)
        {
            _errors.Add($"{name}: '{raw}' names nothing");
            return fallback;
        }
        return items;
    }

    public Uri Uri(string name, Uri fallback)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return fallback;
        }
        if (System.Uri.TryCreate(raw, UriKind.Absolute, out var uri))
        {
            return uri;
        }
        _errors.Add($"{name}: '{UrlDisplay.Redact(raw)}' is not an absolute URL");
        return fallback;
    }

    /// <summary>An AWS endpoint override the way the SDKs read it: the service's variable, else AWS_ENDPOINT_URL; null when neither is set.</summary>
    public Uri? AwsEndpoint(string serviceVariable)
    {
        var name = Raw(serviceVariable) is null ? EnvVars.AwsEndpointUrl : serviceVariable;
        return Raw(name) is null ? null : Uri(name, new Uri("http://invalid"));
    }

    public DateOnly? Date(string name)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }
        _errors.Add($"{name}: '{raw}' is not a date in the form YYYY-MM-DD");
        return null;
    }

    public void AddError(string error) => _errors.Add(error);
}
