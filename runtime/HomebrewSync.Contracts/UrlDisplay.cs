namespace HomebrewSync.Contracts;

/// <summary>
/// URLs as they may be shown or stored: credentials in the user-info part (<c>https://user:pass@host/...</c>) become
/// <c>***</c>. Every URL that reaches output, a plan, the hash file or object metadata goes through here.
/// </summary>
public static class UrlDisplay
{
    public const string Mask = "***";

    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.UserInfo.Length == 0)
        {
            return url.IsAbsoluteUri ? url.AbsoluteUri : url.OriginalString;
        }
        var builder = new UriBuilder(url) { UserName = Mask, Password = "" };
        return builder.Uri.AbsoluteUri;
    }

    /// <summary>A URL given as text; text that is not an absolute URL is returned as it is.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.UserInfo.Length > 0 ? Redact(parsed) : url;

    /// <summary>The URL without its user-info: the same request (HttpClient never sends user-info), nothing secret in it.</summary>
    public static Uri Strip(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.UserInfo.Length > 0 ? new UriBuilder(url) { UserName = "", Password = "" }.Uri : url;
    }
}
