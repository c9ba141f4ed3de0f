using System.Text.RegularExpressions;

namespace HomebrewSync.Contracts;

/// <summary>
/// URLs as they may be shown or stored: credentials in the user-info part (<c>https://user:pass@host/...</c>) become
/// <c>***</c>, and so does a query string (<c>?token=...</c>: an artifact server's or a presigned link's). Every URL
/// that reaches output, a plan, the hash file or object metadata goes through here, and so does every message of an
/// HTTP failure (<see cref="RedactText"/>).
/// </summary>
public static partial class UrlDisplay
{
    public const string Mask = "***";

    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            return url.OriginalString;
        }
        if (url.UserInfo.Length == 0 && url.Query.Length == 0)
        {
            return url.AbsoluteUri;
        }
        var builder = new UriBuilder(url);
        if (url.UserInfo.Length > 0)
        {
            builder.UserName = Mask;
            builder.Password = "";
        }
        if (url.Query.Length > 0)
        {
            builder.Query = Mask;
        }
        return builder.Uri.AbsoluteUri;
    }

    /// <summary>A URL given as text; text that is not an absolute URL has any user-info in it masked all the same (<see cref="RedactText"/>).</summary>
    public static string Redact(string url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? RedactText(url)
        : parsed.UserInfo.Length > 0 || parsed.Query.Length > 0 ? Redact(parsed)
        : url;

    /// <summary>
    /// Free text, an exception's message say, with the user-info of every URL in it masked: .NET names a proxy with its
    /// credentials when the proxy refuses a tunnel, and a value that fails to parse as a URL is still one to a reader.
    /// </summary>
    public static string RedactText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return UserInfoInText().Replace(text, "${scheme}" + Mask + "@");
    }

    // scheme://user[:password]@ : only the authority's user-info (a '/' allowed in the password, where it breaks a URL's parse),
    // so a path with an '@' in it (openssl@3) is left alone.
    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)[^\s/?#@'""]*(:[^\s@'""]*)?@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfoInText();

    /// <summary>The URL without its user-info: the same request (HttpClient never sends user-info), nothing secret in it.</summary>
    public static Uri Strip(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.UserInfo.Length > 0 ? new UriBuilder(url) { UserName = "", Password = "" }.Uri : url;
    }
}
