using HomebrewSync.Contracts;

namespace HomebrewSync.Cli;

/// <summary>Everything one invocation asked for, bound and validated.</summary>
internal sealed record CliRequest(
    string Command,
    SyncSettings Settings,
    string Store,
    IReadOnlyList<string>? Formulae,
    bool Force,
    DateOnly? Date,
    bool Json,
    bool NoProgress)
{
    /// <summary>Binds settings from the merged environment and options; every error is collected.</summary>
    public static CliRequest Bind(string command, IReadOnlyDictionary<string, string?> values, List<string> errors)
    {
        var reader = new SettingsReader(values);
        var settings = SyncSettingsReader.Read(reader);
        var store = reader.String(EnvVars.Store, CliOptions.DefaultStore);
        var formulae = reader.Raw(EnvVars.FormulaNames) is null ? null : reader.List(EnvVars.FormulaNames, []);
        var force = reader.Bool(EnvVars.ForceDownload, false);
        var date = reader.Date(EnvVars.SyncDate);
        var json = reader.Bool(CliOptions.Json, false);
        var noProgress = reader.Bool(CliOptions.NoProgress, false);
        errors.AddRange(reader.Errors);
        errors.AddRange(SyncSettingsValidator.Validate(settings));
        return new CliRequest(command, settings, store, formulae, force, date, json, noProgress);
    }
}
