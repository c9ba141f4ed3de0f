namespace HomebrewSync.Contracts;

/// <summary>A URL whose path is a credential (a Slack webhook): it never prints itself.</summary>
public sealed record SecretUrl(Uri Value)
{
    /// <summary>What a secret URL must be: https, or plain http only to this machine (a local relay), so the credential never crosses a network in clear text.</summary>
    public const string Rule = "an https URL (plain http only to a loopback address)";

    /// <summary>Whether <paramref name="url"/> may carry a secret: https, or http to a loopback address.</summary>
    public static bool IsAllowed(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback);
    }

    public override string ToString() => $"{Value.Scheme}://{Value.Authority}/***";
}
