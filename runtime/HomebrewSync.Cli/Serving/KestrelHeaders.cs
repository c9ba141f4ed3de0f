using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;

namespace HomebrewSync.Cli.Serving;

/// <summary>
/// Kestrel's request headers as <see cref="Core.Serving.MirrorRequest.Headers"/> expects them (names in lower case), read
/// where they lie: a lookup copies one value, not every header of every request.
/// </summary>
internal sealed class KestrelHeaders(IHeaderDictionary headers) : IReadOnlyDictionary<string, string>
{
    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys => headers.Keys.Select(k => k.ToLowerInvariant());

    public IEnumerable<string> Values => headers.Values.Select(v => v.ToString());

    public int Count => headers.Count;

    public bool ContainsKey(string key) => headers.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        if (headers.TryGetValue(key, out var values))
        {
            value = values.ToString();
            return true;
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
        headers.Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), h.Value.ToString())).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
