namespace HomebrewSync.Contracts;

/// <summary>What --help and the command line read of any setting's one definition (<see cref="Setting{T}"/> or <see cref="TextSetting"/>).</summary>
public interface ISetting
{
    /// <summary>The variable the runtime reads (a name from <see cref="EnvVars"/>).</summary>
    string EnvVar { get; }

    /// <summary>The command-line option that sets it; null for environment only.</summary>
    string? Option { get; }

    /// <summary>The option's value in --help (N, URL, TAG[,TAG]); null for a flag.</summary>
    string? ValueName { get; }

    /// <summary>What a flag sets the variable to ("false" for a --no-... flag).</summary>
    string FlagValue { get; }

    /// <summary>The default as --help shows it; null when unset means none (or no limit).</summary>
    string? DefaultText { get; }

    /// <summary>--help's line, with the definition's default and range in it.</summary>
    string HelpText { get; }

    /// <summary>The key of <c>config/&lt;stage&gt;.json</c> a deployment sets it with; null when a deployment does not.</summary>
    string? ConfigKey { get; }
}
