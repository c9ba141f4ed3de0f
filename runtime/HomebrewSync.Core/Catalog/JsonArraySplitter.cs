using System.Buffers;
using System.Globalization;

namespace HomebrewSync.Core.Catalog;

/// <summary>
/// Cuts a top-level JSON array, fed in chunks, into its elements' bytes, holding at most <c>limit</c> bytes of one
/// element: a longer one is scanned past (its strings and brackets followed, its bytes dropped) and handed on as
/// oversized, so one huge element costs no more memory than the limit. It checks the array's own punctuation; each
/// element's JSON is checked by whoever parses its bytes.
/// </summary>
internal sealed class JsonArraySplitter
{
    /// <summary>How much of an oversized element is kept, to name it in a message.</summary>
    private const int HeadBytes = 4 * 1024;

    private static readonly SearchValues<byte> Structural = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> StringEnd = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> BareEnd = SearchValues.Create(" \t\r\n,]}"u8);

    private readonly int _limit;
    private readonly ArrayBufferWriter<byte> _element = new();
    private Phase _phase = Phase.Start;
    private Kind _kind;
    private long _depth;
    private bool _inString;
    private bool _escape;
    private long _position;
    private long _elementOffset;
    private long _elementLength;
    private byte[]? _head;

    public JsonArraySplitter(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 2);
        _limit = limit;
    }

    private enum Phase { Start, FirstElement, NextElement, Element, AfterElement, End }

    private enum Kind { Composite, String, Bare }

    /// <summary>One element of the array.</summary>
    /// <param name="Offset">Where it starts in the document.</param>
    /// <param name="Bytes">Its JSON; null when it is longer than the limit.</param>
    /// <param name="Head">The first bytes of an oversized element.</param>
    internal readonly record struct Element(long Offset, long Length, byte[]? Bytes, byte[]? Head);

    /// <summary>Consumes the next chunk of the document; the elements it completes are added to <paramref name="completed"/>.</summary>
    /// <exception cref="CatalogFormatException">The document is not a JSON array.</exception>
    public void Feed(ReadOnlySpan<byte> chunk, List<Element> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        var i = 0;
        while (i < chunk.Length)
        {
            var b = chunk[i];
            if (_phase == Phase.Element)
            {
                var n = Scan(chunk[i..], out var complete);
                Append(chunk.Slice(i, n));
                i += n;
                _position += n;
                if (complete)
                {
                    completed.Add(new Element(_elementOffset, _elementLength, _head is null ? _element.WrittenSpan.ToArray() : null, _head));
                    _phase = Phase.AfterElement;
                }
                continue;
            }
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' || (_phase == Phase.Start && _position < 3 && b == "\uFEFF"u8[(int)_position]))
            {
                i++;
                _position++;
                continue;
            }
            switch (_phase)
            {
                case Phase.Start when b == '[':
                    _phase = Phase.FirstElement;
                    break;
                case Phase.Start:
                    throw Malformed($"it is not a JSON array of formulae (it starts with '{Printable(b)}')");
                case Phase.FirstElement when b == ']':
                    _phase = Phase.End;
                    break;
                case Phase.FirstElement or Phase.NextElement when b is (byte)',' or (byte)']':
                    throw Malformed($"'{(char)b}' where an entry should be");
                case Phase.FirstElement or Phase.NextElement:
                    Begin(b);
                    continue;
                case Phase.AfterElement when b == ',':
                    _phase = Phase.NextElement;
                    break;
                case Phase.AfterElement when b == ']':
                    _phase = Phase.End;
                    break;
                case Phase.AfterElement:
                    throw Malformed($"'{Printable(b)}' where ',' or ']' should follow an entry");
                default:
                    throw Malformed($"'{Printable(b)}' after the end of the array");
            }
            i++;
            _position++;
        }
    }

    /// <summary>The document has ended.</summary>
    /// <exception cref="CatalogFormatException">Before its array did (a truncated download).</exception>
    public void Finish()
    {
        if (_phase == Phase.Start)
        {
            throw Malformed("it is empty");
        }
        if (_phase != Phase.End)
        {
            throw Malformed("it ends before its array does (truncated)");
        }
    }

    private void Begin(byte first)
    {
        _phase = Phase.Element;
        _kind = first switch
        {
            (byte)'{' or (byte)'[' => Kind.Composite,
            (byte)'"' => Kind.String,
            _ => Kind.Bare,
        };
        (_depth, _inString, _escape) = (0, false, false);
        _elementOffset = _position;
        _elementLength = 0;
        _element.ResetWrittenCount();
        _head = null;
    }

    /// <returns>How many bytes of <paramref name="span"/> belong to the current element.</returns>
    private int Scan(ReadOnlySpan<byte> span, out bool complete)
    {
        complete = false;
        if (_kind == Kind.Bare)
        {
            var end = span.IndexOfAny(BareEnd);
            complete = end >= 0;
            return end >= 0 ? end : span.Length;
        }
        var i = 0;
        while (i < span.Length)
        {
            if (_inString)
            {
                if (_escape)
                {
                    _escape = false;
                    i++;
                    continue;
                }
                var j = span[i..].IndexOfAny(StringEnd);
                if (j < 0)
                {
                    return span.Length;
                }
                i += j;
                if (span[i] == '\\')
                {
                    _escape = true;
                }
                else
                {
                    _inString = false;
                    if (_kind == Kind.String)
                    {
                        complete = true;
                        return i + 1;
                    }
                }
                i++;
                continue;
            }
            var k = span[i..].IndexOfAny(Structural);
            if (k < 0)
            {
                return span.Length;
            }
            i += k;
            switch (span[i])
            {
                case (byte)'"':
                    _inString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    _depth++;
                    break;
                default:
                    if (--_depth == 0)
                    {
                        complete = true;
                        return i + 1;
                    }
                    break;
            }
            i++;
        }
        return span.Length;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _elementLength += bytes.Length;
        if (_head is not null)
        {
            return;
        }
        if (_element.WrittenCount + bytes.Length <= _limit)
        {
            _element.Write(bytes);
            return;
        }
        // Over the limit: keep only the start (for its name) and read on without holding the rest.
        var kept = _element.WrittenSpan;
        _head = kept.Length >= HeadBytes ? kept[..HeadBytes].ToArray() : [.. kept, .. bytes[..Math.Min(bytes.Length, HeadBytes - kept.Length)]];
        _element.ResetWrittenCount();
    }

    private CatalogFormatException Malformed(string what) =>
        new($"The catalog is not valid formula.json (at byte {_position.ToString("N0", CultureInfo.InvariantCulture)}): {what}.");

    private static string Printable(byte b) => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"0x{b:X2}";
}
