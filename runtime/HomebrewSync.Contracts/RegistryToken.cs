namespace HomebrewSync.Contracts;

/// <summary>A bearer token that never prints itself.</summary>
public sealed record RegistryToken(string Value)
{
    public override string ToString() => "***";
}
