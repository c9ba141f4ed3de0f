namespace HomebrewSync.Contracts;

/// <summary>A URL whose path is a credential (a Slack webhook): it never prints itself.</summary>
public sealed record SecretUrl(Uri Value)
{
    public override string ToString() => $"{Value.Scheme}://{Value.Authority}/***";
}
