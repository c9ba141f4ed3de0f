using System.Text.Json;

namespace HomebrewSync.Core.Api;

/// <summary>
/// What a (verified) API file tells a client about bottles: the sha256 of the bottle each formula installs. In
/// <c>internal/packages.&lt;tag&gt;.jws.json</c> that is <c>formulae.&lt;name&gt;.bottle_checksum</c>, the bottle brew
/// resolved for the file's tag (its own or a fallback); the legacy <c>formula.jws.json</c> lists every tag's
/// <c>sha256</c> under <c>bottle.stable.files</c>.
/// </summary>
internal static class ApiPayload
{
    /// <summary>Formula name to the sha256 of the bottle the file tells its clients to install, for every formula that has one.</summary>
    public static IReadOnlyDictionary<string, string> BottleChecksums(byte[] document)
    {
        using var payload = JsonDocument.Parse(JwsVerifier.Payload(document));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (payload.RootElement.ValueKind == JsonValueKind.Object
            && payload.RootElement.TryGetProperty("formulae", out var formulae) && formulae.ValueKind == JsonValueKind.Object)
        {
            foreach (var formula in formulae.EnumerateObject())
            {
                if (formula.Value.ValueKind == JsonValueKind.Object && formula.Value.TryGetProperty("bottle_checksum", out var sha)
                    && sha.ValueKind == JsonValueKind.String && IsSha256(sha.GetString()!))
                {
                    result[formula.Name] = sha.GetString()!;
                }
            }
        }
        return result;
    }

    /// <summary>Every bottle sha256 the file names, whatever its layout (<c>bottle_checksum</c> or <c>sha256</c> values).</summary>
    public static IReadOnlySet<string> AllChecksums(byte[] document)
    {
        using var payload = JsonDocument.Parse(JwsVerifier.Payload(document));
        var result = new HashSet<string>(StringComparer.Ordinal);
        Collect(payload.RootElement, null, result);
        return result;
    }

    private static void Collect(JsonElement element, string? name, HashSet<string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    Collect(p.Value, p.Name, into);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, name, into);
                }
                break;
            case JsonValueKind.String when name is "bottle_checksum" or "sha256" && IsSha256(element.GetString()!):
                into.Add(element.GetString()!);
                break;
        }
    }

    private static bool IsSha256(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigitLower);
}
