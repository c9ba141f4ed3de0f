using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HomebrewSync.TestSupport;

/// <summary>
/// Signs API files the way Homebrew's signer does (PS512 over <c>&lt;protected&gt;.&lt;payload&gt;</c>, <c>b64: false</c>,
/// <c>kid: homebrew-1</c>), with a key pair generated for the test; its public key is what the mirror is given.
/// </summary>
public sealed class ApiSigner : IDisposable
{
    private const string ProtectedHeader = """{"alg":"PS512","b64":false,"crit":["b64"]}""";
    private readonly RSA _key = RSA.Create(2048);

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Writes the public key to a file, as a user would pass it with --api-public-key.</summary>
    public string WritePublicKey(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "homebrew-test.pem");
        File.WriteAllText(path, PublicKeyPem);
        return path;
    }

    /// <param name="tamper">Change the payload after signing (a file altered in transit).</param>
    public byte[] Sign(string payload, bool tamper = false)
    {
        var protectedHeader = Base64Url(Encoding.UTF8.GetBytes(ProtectedHeader));
        var signature = _key.SignData(Encoding.UTF8.GetBytes($"{protectedHeader}.{payload}"), HashAlgorithmName.SHA512, RSASignaturePadding.Pss);
        var document = new Dictionary<string, object>
        {
            ["payload"] = tamper ? payload.Replace("\"version\"", "\"versionX\"", StringComparison.Ordinal) + " " : payload,
            ["signatures"] = new[] { new Dictionary<string, object> { ["protected"] = protectedHeader, ["header"] = new Dictionary<string, string> { ["kid"] = "homebrew-1" }, ["signature"] = Base64Url(signature) } },
        };
        return JsonSerializer.SerializeToUtf8Bytes(document);
    }

    /// <summary>An <c>internal/packages.&lt;tag&gt;.jws.json</c> payload for the formulae that have a bottle for the tag (by exact tag or all).</summary>
    public static string PackagesPayload(IEnumerable<FakeFormula> formulae, string tag, string generatedAt = "2025-07-21T03:00:00Z")
    {
        var entries = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var f in formulae)
        {
            var bottleTag = f.Bottles.ContainsKey(tag) ? tag : f.Bottles.ContainsKey("all") ? "all" : null;
            entries[f.Name] = bottleTag is null
                ? new Dictionary<string, object> { ["version"] = f.Stable, ["revision"] = f.Revision }
                : new Dictionary<string, object> { ["version"] = f.Stable, ["revision"] = f.Revision, ["bottle_checksum"] = f.Bottles[bottleTag].Sha256, ["bottle_tag"] = bottleTag, ["bottle_rebuild"] = f.Rebuild };
        }
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, string> { ["homebrew_version"] = "6.0.18", ["bottle_tag"] = tag, ["generated_at"] = generatedAt },
            ["formulae"] = entries,
            ["casks"] = new Dictionary<string, object>(),
            ["formula_aliases"] = new Dictionary<string, string>(),
            ["formula_renames"] = new Dictionary<string, string>(),
        });
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() => _key.Dispose();
}
