namespace HomebrewSync.Contracts;

/// <summary>Another name for a setting: <see cref="Name"/> is read as <see cref="Canonical"/>, its value as <see cref="Value"/> writes it there (as given when null).</summary>
public sealed record EnvVarAlias(string Name, string Canonical, Func<string, string>? Value = null)
{
    public string ValueOf(string raw) => Value is null ? raw : Value(raw);
}
