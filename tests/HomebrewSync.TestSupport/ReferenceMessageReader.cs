using System.Text.Json;
using HomebrewSync.Core.Notifications;

namespace HomebrewSync.TestSupport;

/// <summary>
/// Reads a reference webhook payload (<see cref="ReferenceMessages"/>) back into Core's <see cref="SlackMessage"/>, so Core's
/// tests compare messages without the Slack adapter; the adapter's tests check that writing it back gives the reference.
/// </summary>
public static class ReferenceMessageReader
{
    public static SlackMessage Read(string payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var root = doc.RootElement;
        var blocks = root.GetProperty("blocks").EnumerateArray().Select(Block).ToArray();
        return new SlackMessage(root.GetProperty("text").GetString()!, blocks);
    }

    /// <summary>One line per block, kind and content: what two messages are compared by (records compare lists by reference).</summary>
    public static IReadOnlyList<string> Lines(SlackMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return [$"text: {message.Text}", .. message.Blocks.Select(Line)];
    }

    private static string Line(SlackBlock block) => block switch
    {
        HeaderBlock h => $"header: {h.Text}",
        FieldsBlock f => $"fields: {string.Join(" | ", f.Fields)}",
        TextBlock t => $"text: {t.Text}",
        ContextBlock c => $"context: {string.Join(" | ", c.Elements)}",
        ActionsBlock a => $"actions: {string.Join(" | ", a.Buttons.Select(b => $"{b.Text} -> {b.Url}"))}",
        _ => throw new ArgumentOutOfRangeException(nameof(block), block.GetType().Name, "not a known block"),
    };

    private static SlackBlock Block(JsonElement b)
    {
        static string Text(JsonElement e) => e.GetProperty("text").GetString()!;
        return b.GetProperty("type").GetString() switch
        {
            "header" => new HeaderBlock(Text(b.GetProperty("text"))),
            "section" when b.TryGetProperty("fields", out var fields) => new FieldsBlock(fields.EnumerateArray().Select(Text).ToArray()),
            "section" => new TextBlock(Text(b.GetProperty("text"))),
            "context" => new ContextBlock(b.GetProperty("elements").EnumerateArray().Select(Text).ToArray()),
            "actions" => new ActionsBlock(b.GetProperty("elements").EnumerateArray().Select(e => new SlackButton(Text(e.GetProperty("text")), e.GetProperty("url").GetString()!)).ToArray()),
            var other => throw new InvalidDataException($"not a block the reference uses: {other}"),
        };
    }
}
