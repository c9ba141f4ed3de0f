using System.Text.Encodings.Web;
using System.Text.Json;

using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Adapters.Slack;

/// <summary>Writes a message as the webhook payload, in the reference's property order.</summary>
public static class SlackJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(SlackMessage message, string? channel = null, string? username = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            if (channel is not null)
            {
                w.WriteString("channel", channel);
            }
            if (username is not null)
            {
                w.WriteString("username", username);
            }
            w.WriteString("text", message.Text);
            w.WriteStartArray("blocks");
            foreach (var block in message.Blocks)
            {
                WriteBlock(w, block);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteBlock(Utf8JsonWriter w, SlackBlock block)
    {
        w.WriteStartObject();
        switch (block)
        {
            case HeaderBlock h:
                w.WriteString("type", "header");
                PlainText(w, "text", h.Text);
                break;
            case FieldsBlock f:
                w.WriteString("type", "section");
                w.WriteStartArray("fields");
                foreach (var field in f.Fields)
                {
                    Mrkdwn(w, null, field);
                }
                w.WriteEndArray();
                break;
            case TextBlock t:
                w.WriteString("type", "section");
                Mrkdwn(w, "text", t.Text);
                break;
            case ContextBlock c:
                w.WriteString("type", "context");
                w.WriteStartArray("elements");
                foreach (var e in c.Elements)
                {
                    Mrkdwn(w, null, e);
                }
                w.WriteEndArray();
                break;
            case ActionsBlock a:
                w.WriteString("type", "actions");
                w.WriteStartArray("elements");
                foreach (var b in a.Buttons)
                {
                    w.WriteStartObject();
                    w.WriteString("type", "button");
                    PlainText(w, "text", b.Text);
                    w.WriteString("url", b.Url);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(block), block.GetType().Name, "not a known block");
        }
        w.WriteEndObject();
    }

    private static void PlainText(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "plain_text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void Mrkdwn(Utf8JsonWriter w, string? name, string text)
    {
        if (name is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(name);
        }
        w.WriteString("type", "mrkdwn");
        w.WriteString("text", text);
        w.WriteEndObject();
    }
}
