using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HomebrewSync.Core.Api;

namespace HomebrewSync.Core.Tests.Api;

public sealed class JwsVerifierTests : IDisposable
{
    private const string Payload = """{"formulae":{"jq":{"version":"1.7.1"}}}""";
    private readonly ApiSigner _signer = new();
    private readonly JwsVerifier _verifier;

    public JwsVerifierTests()
    {
        _verifier = JwsVerifier.FromPem(_signer.PublicKeyPem);
    }

    public void Dispose()
    {
        _verifier.Dispose();
        _signer.Dispose();
    }

    /// <summary>The signed document with one edit to its first signature.</summary>
    private byte[] Edited(Action<JsonObject> editSignature)
    {
        var doc = JsonNode.Parse(_signer.Sign(Payload))!.AsObject();
        editSignature(doc["signatures"]![0]!.AsObject());
        return Encoding.UTF8.GetBytes(doc.ToJsonString());
    }

    [Fact]
    public void Verify_SignedByTheKey_ReturnsNull()
    {
        Assert.Null(_verifier.Verify(_signer.Sign(Payload)));
    }

    [Fact]
    public void Verify_PayloadChangedAfterSigning_SaysTheSignatureDoesNotMatch()
    {
        Assert.Equal("the signature does not match the payload", _verifier.Verify(_signer.Sign(Payload, tamper: true)));
    }

    [Fact]
    public void Verify_SignedByAnotherKey_SaysTheSignatureDoesNotMatch()
    {
        using var other = new ApiSigner();

        Assert.Equal("the signature does not match the payload", _verifier.Verify(other.Sign(Payload)));
    }

    [Theory]
    [InlineData("payload")]
    [InlineData("protected")]
    public void Verify_AStringThatIsNotText_IsRefusedAsUnverifiable_NotThrown(string field)
    {
        // Bytes that are not UTF-8 inside a JSON string get through the reader; reading them as text threw past every catch.
        var doc = JsonNode.Parse(_signer.Sign(Payload))!.AsObject();
        if (field == "payload")
        {
            doc["payload"] = "#";
        }
        else
        {
            doc["signatures"]![0]!["protected"] = "#";
        }
        var bytes = Encoding.UTF8.GetBytes(doc.ToJsonString());
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xFF;

        Assert.StartsWith("not a verifiable JWS document (", _verifier.Verify(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_APayloadBeyondAscii_WrittenWithEscapes_Verifies_AndPayloadReturnsItsUtf8()
    {
        // The document escapes é and the emoji (\u00e9, a surrogate pair); the signature is over their UTF-8.
        const string text = """{"formulae":{"café":{"desc":"naïve \"quoted\" 🍺 tab\t"}}}""";
        var document = _signer.Sign(text);
        Assert.Contains("\\u00E9", Encoding.UTF8.GetString(document), StringComparison.OrdinalIgnoreCase);

        Assert.Null(_verifier.Verify(document));
        Assert.Equal(text, Encoding.UTF8.GetString(JwsVerifier.Payload(document)));
    }

    [Fact]
    public void Verify_ALargeFile_AllocatesUnderThreeTimesItsSize()
    {
        // A 16 MB file (the limit is 128 MiB by default; a 512 MB Lambda verifies it): read as text, joined and encoded back,
        // verification allocated 3.5 times the file (56 MB); unescaped once into UTF-8 and hashed in parts, 1.5 times.
        var formulae = string.Join(",", Enumerable.Range(0, 160_000).Select(i => $"\"f{i:000000}\":{{\"version\":\"1.0.{i}\",\"desc\":\"a tool\"}}"));
        var document = _signer.Sign($"{{\"formulae\":{{{formulae}}}}}");
        _verifier.Verify(document);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var problem = _verifier.Verify(document);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(problem);
        Assert.True(allocated < 3L * document.Length, $"{allocated:N0} bytes allocated to verify {document.Length:N0}");
    }

    [Fact]
    public void Verify_ADocumentOfMillionsOfOtherValues_IsReadWithoutBuildingThem()
    {
        // 8 MB of "0," beside a signed payload: parsed into a tree, each of its four million values took 12 bytes of the
        // tree's table, grown by doubling (about 100 MB here; 1.5 GB for a file at MAX_API_FILE_MB). An upstream can send it
        // unsigned: the tree was built before the signature was looked at.
        var signed = Encoding.UTF8.GetString(_signer.Sign(Payload));
        var document = Encoding.UTF8.GetBytes("{\"x\":[" + string.Join(",", Enumerable.Repeat("0", 4_000_000)) + "]," + signed[1..]);
        _verifier.Verify(document);

        // What it takes, allocated or rented from the shared array pool (which a tree's table comes from, and which a
        // second call finds already allocated).
        using var rented = new RentedBytes();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var problem = _verifier.Verify(document);
        var taken = GC.GetAllocatedBytesForCurrentThread() - before + rented.Total;

        Assert.Null(problem);
        Assert.True(taken < document.Length / 4, $"{taken:N0} bytes allocated or rented to verify {document.Length:N0}");
        Assert.Equal(Payload, Encoding.UTF8.GetString(JwsVerifier.Payload(document)));
    }

    [Theory]
    [InlineData("""{"payload":"x","signatures":[]} {}""")]
    [InlineData("""[{"payload":"x","signatures":[]}]""")]
    [InlineData("""{"payload":1,"signatures":[]}""")]
    [InlineData("""{"payload":"x","signatures":{}}""")]
    public void Verify_NotOneObjectWithAPayloadAndSignatures_IsRefused(string document)
    {
        Assert.NotNull(_verifier.Verify(Encoding.UTF8.GetBytes(document)));
    }

    [Fact]
    public void Verify_NamesWrittenWithEscapes_AreReadAsTheNamesTheyAre()
    {
        // "p\u0061yload" is "payload" to every JSON parser, brew's included.
        var escaped = Encoding.UTF8.GetString(_signer.Sign(Payload)).Replace("\"payload\"", "\"p\\u0061yload\"", StringComparison.Ordinal)
            .Replace("\"signatures\"", "\"sign\\u0061tures\"", StringComparison.Ordinal);
        Assert.Contains("\\u0061", escaped, StringComparison.Ordinal);

        Assert.Null(_verifier.Verify(Encoding.UTF8.GetBytes(escaped)));
    }

    [Fact]
    public void Verify_SignaturesLargerThanAnyHomebrewSends_AreRefusedUnparsed()
    {
        var padded = Edited(s => s["padding"] = new string('x', 100 * 1024));

        Assert.StartsWith("not a verifiable JWS document (its signatures take ", _verifier.Verify(padded), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_APayloadGivenTwice_IsJudgedByTheLast_AsBrewsParserReadsIt()
    {
        // A signed payload followed by an unsigned one: brew (Ruby's JSON) would read the second, which is not what was signed.
        var signed = Encoding.UTF8.GetString(_signer.Sign(Payload));
        var document = Encoding.UTF8.GetBytes(signed[..^1] + ",\"payload\":\"{}\"}");

        Assert.Equal("the signature does not match the payload", _verifier.Verify(document));
    }

    [Fact]
    public void Verify_SignatureWithPadding_IsAccepted()
    {
        var padded = Edited(s =>
        {
            var sig = s["signature"]!.GetValue<string>();
            s["signature"] = sig + new string('=', (4 - (sig.Length % 4)) % 4);
        });

        Assert.Null(_verifier.Verify(padded));
    }

    [Fact]
    public void Verify_NoSignatureByHomebrew1_SaysSo()
    {
        var otherKid = Edited(s => s["header"]!["kid"] = "homebrew-2");

        Assert.Equal($"no signature by {JwsVerifier.KeyId}", _verifier.Verify(otherKid));
    }

    [Fact]
    public void Verify_KidThatIsNotAString_IsNoSignatureByHomebrew1()
    {
        var numericKid = Edited(s => s["header"]!["kid"] = 1);

        Assert.Equal($"no signature by {JwsVerifier.KeyId}", _verifier.Verify(numericKid));
    }

    [Theory]
    [InlineData("""{"alg":"RS512","b64":false}""")]
    [InlineData("""[]""")]
    [InlineData("""{"alg":1,"b64":false}""")]
    [InlineData("""{"alg":null,"b64":false}""")]
    [InlineData("""{"alg":"PS512","b64":true}""")]
    [InlineData("""{"alg":"PS512"}""")]
    public void Verify_HeaderNotPs512OverAnUnencodedPayload_IsRejected(string header)
    {
        var document = Edited(s => s["protected"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(header)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));

        Assert.Equal("the signature is not PS512 over an unencoded payload", _verifier.Verify(document));
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""{"payload":"x"}""")]
    [InlineData("""{"payload":1,"signatures":[]}""")]
    [InlineData("""{"payload":"x","signatures":{}}""")]
    public void Verify_NotAJwsDocument_SaysSo(string json)
    {
        Assert.Equal("not a JWS document (payload and signatures)", _verifier.Verify(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"payload":"x","signatures":[{"header":{"kid":"homebrew-1"},"protected":"!!!","signature":"AA"}]}""")]
    public void Verify_Unreadable_SaysItIsNotVerifiable(string text)
    {
        Assert.StartsWith("not a verifiable JWS document", _verifier.Verify(Encoding.UTF8.GetBytes(text)), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SignedPayloadThatIsNotJson_IsNotVerifiable()
    {
        Assert.StartsWith("not a verifiable JWS document", _verifier.Verify(_signer.Sign("{ not json")), StringComparison.Ordinal);
    }

    [Fact]
    public void FromPem_NotAKey_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => JwsVerifier.FromPem("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"));
    }

    [Theory]
    [InlineData("""{"payload":null}""")]
    [InlineData("""{"payload":5}""")]
    [InlineData("""[]""")]
    public void Payload_OfADocumentWithoutPayloadText_ThrowsJsonException(string json)
    {
        Assert.Throws<JsonException>(() => JwsVerifier.Payload(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Payload_ReturnsThePayloadText()
    {
        Assert.Equal(Payload, Encoding.UTF8.GetString(JwsVerifier.Payload(_signer.Sign(Payload))));
    }

    /// <summary>The bytes rented from the shared array pool on this thread while it listens (ArrayPoolEventSource's BufferRented).</summary>
    private sealed class RentedBytes : System.Diagnostics.Tracing.EventListener
    {
        private readonly int _thread = Environment.CurrentManagedThreadId;
        private long _total;

        public long Total => Interlocked.Read(ref _total);

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
        {
            if (eventSource.Name == "System.Buffers.ArrayPoolEventSource")
            {
                EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
        {
            if (eventData.EventName == "BufferRented" && Environment.CurrentManagedThreadId == _thread)
            {
                Interlocked.Add(ref _total, Convert.ToInt64(eventData.Payload![1], System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
