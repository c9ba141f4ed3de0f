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
        Assert.Equal(Payload, JwsVerifier.Payload(_signer.Sign(Payload)));
    }
}
