using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace HomebrewSync.Core.Serving;

/// <summary>
/// The tokens that may use the mirror, parsed from a token file: one <c>NAME TOKEN</c> per line, blank lines and
/// <c>#</c> comments allowed. Only each token's SHA-256 is kept, and a presented token is compared against every
/// entry's hash in constant time, so neither a token's length nor which entry matched leaks through timing.
/// </summary>
public sealed partial class ServeTokens
{
    /// <summary>Shorter tokens are refused: a fleet's token must not be guessable.</summary>
    public const int MinTokenLength = 16;

    public static readonly ServeTokens None = new([]);

    private readonly IReadOnlyList<(string Name, byte[] Hash)> _entries;

    private ServeTokens(IReadOnlyList<(string Name, byte[] Hash)> entries)
    {
        _entries = entries;
    }

    public int Count => _entries.Count;

    public IEnumerable<string> Names => _entries.Select(e => e.Name);

    // A name is what the access log shows: no ':' (Basic credentials split there), no spaces, nothing to escape.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@+\-]{0,63}\z")]
    private static partial Regex NamePattern();

    /// <summary>Parses a token file; each error names its line and never holds a token.</summary>
    public static ServeTokens Parse(string text, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        var entries = new List<(string Name, byte[] Hash)>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineOfToken = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
            {
                problems.Add($"line {number}: expected NAME TOKEN ({fields.Length} fields)");
                continue;
            }
            var (name, token) = (fields[0], fields[1]);
            if (!NamePattern().IsMatch(name))
            {
                problems.Add($"line {number}: the name must be letters, digits and . _ @ + - (at most 64, no ':')");
                continue;
            }
            if (token.Length < MinTokenLength)
            {
                // Nothing from the line is echoed: a line with its columns swapped would print a token.
                problems.Add($"line {number}: the token is shorter than {MinTokenLength} characters (a line is NAME, then TOKEN)");
                continue;
            }
            if (names.TryGetValue(name, out var first))
            {
                problems.Add($"line {number}: the name is already on line {first}");
                continue;
            }
            var hash = Digest(token);
            // Looked up by the digest, not compared with every earlier line: a file at its size limit holds ~55,000 lines,
            // and is read at start and after every change, with requests that need a token waiting for it.
            var digest = Convert.ToHexString(hash);
            if (!lineOfToken.TryAdd(digest, number))
            {
                problems.Add($"line {number}: the same token as line {lineOfToken[digest]}; each client needs its own");
                continue;
            }
            names[name] = number;
            entries.Add((name, hash));
        }
        if (entries.Count == 0 && problems.Count == 0)
        {
            // An empty file is more likely caught mid-write than meant: it would lock every client out.
            problems.Add("no NAME TOKEN line: the file lists no token");
        }
        errors = problems;
        return new ServeTokens(entries);
    }

    /// <summary>The owner of a listed token, else null. Every entry is compared, each over 32-byte hashes, whatever matches.</summary>
    public string? OwnerOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var hash = Digest(token);
        string? owner = null;
        foreach (var (name, entry) in _entries)
        {
            // No early exit: the time taken does not say which entry matched, or whether one did.
            if (CryptographicOperations.FixedTimeEquals(entry, hash))
            {
                owner = name;
            }
        }
        return owner;
    }

    /// <summary>
    /// Who an <c>Authorization</c> header belongs to: <c>Bearer TOKEN</c> (brew's HOMEBREW_DOCKER_REGISTRY_TOKEN), or
    /// <c>Basic base64(NAME:TOKEN)</c> (HOMEBREW_DOCKER_REGISTRY_BASIC_AUTH_TOKEN), where NAME must be the token's own.
    /// Null for no header, another scheme or an unlisted token.
    /// </summary>
    public string? OwnerOfAuthorization(string? authorization)
    {
        if (authorization is null)
        {
            return null;
        }
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return null;
        }
        var (scheme, credential) = (authorization[..space], authorization[(space + 1)..].Trim());
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return credential.Length > 0 ? OwnerOf(credential) : null;
        }
        if (!scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string pair;
        try
        {
            pair = Encoding.UTF8.GetString(Convert.FromBase64String(credential));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }
        var owner = OwnerOf(pair[(colon + 1)..]);
        return owner is not null && owner == pair[..colon] ? owner : null;
    }

    /// <summary>What a token is kept and compared as: 32 bytes whatever its length, so the comparison cannot stop early on a length difference.</summary>
    public static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
