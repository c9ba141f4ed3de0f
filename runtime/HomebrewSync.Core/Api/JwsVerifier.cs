using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HomebrewSync.Core.Api;

/// <summary>
/// Checks a Homebrew API file (<c>*.jws.json</c>) the way brew does before it trusts one: the signature whose
/// header names <c>kid</c> <c>homebrew-1</c>, protected header <c>{"alg":"PS512","b64":false,...}</c>, signing input
/// <c>&lt;protected&gt;.&lt;payload&gt;</c> (the payload unencoded, RFC 7797), RSA-PSS with SHA-512, MGF1-SHA-512 and a
/// 64-byte salt, the signature base64url with or without padding.
/// </summary>
public sealed class JwsVerifier : IDisposable
{
    public const string KeyId = "homebrew-1";
    private readonly RSA _key;

    private JwsVerifier(RSA key)
    {
        _key = key;
    }

    /// <exception cref="ArgumentException">Not an RSA public key in PEM.</exception>
    public static JwsVerifier FromPem(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return new JwsVerifier(rsa);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new ArgumentException($"not an RSA public key in PEM: {ex.Message}", nameof(pem), ex);
        }
    }

    /// <summary>The most the <c>signatures</c> array may take; Homebrew's is a few hundred bytes.</summary>
    private const int MaxSignaturesBytes = 64 * 1024;

    /// <returns>Null when the file verifies; else why it does not (a message brew would turn into "Potential MITM attempt detected").</returns>
    /// <remarks>
    /// Memory: the document's top level is read where it lies by a reader that builds nothing (a document of millions of other
    /// values, which a parsed tree would hold at 12 bytes each, costs a pass), the payload is unescaped once into UTF-8 bytes,
    /// hashed as it is and checked as JSON the same way: about 1.5 times the file's size allocated. Read as text (UTF-16),
    /// joined to the header and encoded back, it took 3.5 times (JwsVerifierTests).
    /// </remarks>
    public string? Verify(ReadOnlyMemory<byte> document)
    {
        try
        {
            var (payloadText, signaturesJson) = TopLevel(document);
            if (payloadText is null || signaturesJson.IsEmpty)
            {
                return "not a JWS document (payload and signatures)";
            }
            if (signaturesJson.Length > MaxSignaturesBytes)
            {
                return $"not a verifiable JWS document (its signatures take {signaturesJson.Length:N0} bytes, more than {MaxSignaturesBytes:N0})";
            }
            using var signatures = JsonDocument.Parse(signaturesJson);
            var signature = signatures.RootElement.EnumerateArray().FirstOrDefault(s => s.ValueKind == JsonValueKind.Object
                && s.TryGetProperty("header", out var h) && h.ValueKind == JsonValueKind.Object && h.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String && kid.ValueEquals(KeyId));
            if (signature.ValueKind != JsonValueKind.Object || !signature.TryGetProperty("protected", out var prot) || prot.ValueKind != JsonValueKind.String
                || !signature.TryGetProperty("signature", out var sig) || sig.ValueKind != JsonValueKind.String)
            {
                return $"no signature by {KeyId}";
            }
            var protectedText = Unescaped(prot);
            using (var header = JsonDocument.Parse(Base64Url(Encoding.UTF8.GetString(protectedText))))
            {
                if (header.RootElement.ValueKind != JsonValueKind.Object
                    || !header.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || !alg.ValueEquals("PS512")
                    || !header.RootElement.TryGetProperty("b64", out var b64) || b64.ValueKind != JsonValueKind.False)
                {
                    return "the signature is not PS512 over an unencoded payload";
                }
            }
            // The signing input <protected>.<payload>, hashed in its parts rather than joined.
            using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            sha512.AppendData(protectedText);
            sha512.AppendData("."u8);
            sha512.AppendData(payloadText);
            if (!_key.VerifyHash(sha512.GetHashAndReset(), Base64Url(Encoding.UTF8.GetString(Unescaped(sig))), HashAlgorithmName.SHA512, RSASignaturePadding.Pss))
            {
                return "the signature does not match the payload";
            }
            // brew parses what it has verified; a payload that is not JSON (or not UTF-8) would fail every client it reached.
            if (!System.Text.Unicode.Utf8.IsValid(payloadText))
            {
                return "not a verifiable JWS document (the payload is not UTF-8)";
            }
            var check = new Utf8JsonReader(payloadText);
            while (check.Read())
            {
            }
            return null;
        }
        // InvalidOperationException: a string that is not text (bytes that are not UTF-8, a lone surrogate), which the reader lets through.
        catch (Exception ex) when (ex is JsonException or FormatException or CryptographicException or InvalidOperationException or ArgumentException)
        {
            return $"not a verifiable JWS document ({ex.Message})";
        }
    }

    /// <summary>The payload of a (verified) document: its JSON text, as UTF-8 bytes.</summary>
    /// <exception cref="JsonException">Not JSON, or no payload text (a stored file that was altered).</exception>
    public static byte[] Payload(ReadOnlyMemory<byte> document)
    {
        try
        {
            return TopLevel(document).Payload ?? throw new JsonException("no payload text");
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException($"the payload is not text: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The document's top level, read where it lies: its <c>payload</c> string (unescaped, as UTF-8) and the JSON of its
    /// <c>signatures</c> array, each null or empty when it is missing or of another kind; every other value is skipped, not
    /// built. Of a name given twice the last counts, as in the JSON parser brew reads the file with.
    /// </summary>
    /// <exception cref="JsonException">Not one JSON object.</exception>
    private static (byte[]? Payload, ReadOnlyMemory<byte> Signatures) TopLevel(ReadOnlyMemory<byte> document)
    {
        var reader = new Utf8JsonReader(document.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (null, default);
        }
        byte[]? payload = null;
        ReadOnlyMemory<byte> signatures = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var (isPayload, isSignatures) = (reader.ValueTextEquals("payload"u8), reader.ValueTextEquals("signatures"u8));
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            if (isPayload)
            {
                payload = reader.TokenType == JsonTokenType.String ? Unescaped(ref reader) : null;
            }
            reader.Skip();
            if (isSignatures)
            {
                signatures = reader.TokenType == JsonTokenType.EndArray ? document[start..(int)reader.BytesConsumed] : default;
            }
        }
        // What a parser reads as the whole document: nothing but white space after the object.
        if (reader.Read())
        {
            throw new JsonException("more than one JSON value");
        }
        return (payload, signatures);
    }

    /// <summary>The reader's current string, its escapes undone, as UTF-8 bytes.</summary>
    private static byte[] Unescaped(ref Utf8JsonReader reader)
    {
        var bytes = new byte[reader.ValueSpan.Length];
        return bytes[..reader.CopyString(bytes)];
    }

    /// <summary>A JSON string's value as UTF-8 bytes, its escapes undone, without going through UTF-16.</summary>
    /// <exception cref="InvalidOperationException">An escape that is no text (a lone surrogate).</exception>
    private static byte[] Unescaped(JsonElement text)
    {
        var reader = new Utf8JsonReader(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(text));
        reader.Read();
        return Unescaped(ref reader);
    }

    private static byte[] Base64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    public void Dispose() => _key.Dispose();
}
