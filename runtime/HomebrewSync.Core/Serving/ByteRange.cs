using System.Globalization;

namespace HomebrewSync.Core.Serving;

/// <summary>One byte range of a <c>Range: bytes=...</c> header, resolved against the object's length.</summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length - 1;

    /// <returns>
    /// The range; null when the header asks for none this server honours (absent, not bytes, several ranges, not
    /// valid syntax such as <c>bytes=-</c>: RFC 9110 has the whole object sent); <paramref name="unsatisfiable"/> when
    /// it lies outside the object (a first byte past the end, a suffix of zero bytes).
    /// </returns>
    public static ByteRange? Parse(string? header, long length, out bool unsatisfiable)
    {
        unsatisfiable = false;
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }
        var spec = header["bytes=".Length..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }
        var (first, last) = (spec[..dash].Trim(), spec[(dash + 1)..].Trim());
        if (first.Length == 0)
        {
            // A suffix: the last N bytes. "bytes=-" has no N: not a range at all, so it is ignored.
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return null;
            }
            if (suffix == 0)
            {
                unsatisfiable = true;
                return null;
            }
            if (length == 0)
            {
                // Satisfiable per RFC 9110, and the whole (empty) object is that range.
                return null;
            }
            var n = Math.Min(suffix, length);
            return new ByteRange(length - n, n);
        }
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }
        var end = length - 1;
        if (last.Length > 0 && (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start))
        {
            return null;
        }
        if (start >= length)
        {
            unsatisfiable = true;
            return null;
        }
        end = Math.Min(end, length - 1);
        return new ByteRange(start, end - start + 1);
    }
}
