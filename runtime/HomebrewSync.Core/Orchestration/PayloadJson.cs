using System.Text.Json;

namespace HomebrewSync.Core.Orchestration;

/// <summary>The start every handler payload shares: JSON, and an object; anything else is a <see cref="TriggerFormatException"/>.</summary>
internal static class PayloadJson
{
    public static T Read<T>(ReadOnlySpan<byte> payload, Func<JsonElement, T> read)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException ex)
        {
            throw new TriggerFormatException($"The input is not JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object ? read(root) : throw new TriggerFormatException($"The input must be a JSON object, not {root.ValueKind}");
        }
    }
}
