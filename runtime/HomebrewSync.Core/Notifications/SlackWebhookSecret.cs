using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Core.Notifications;

/// <summary>
/// The one reading of a Slack webhook secret, for every host: a plain URL, or JSON with a <c>url</c>,
/// <c>webhook_url</c> or <c>slack_webhook_url</c> field. The value is a credential: no message holds it.
/// </summary>
public static class SlackWebhookSecret
{
    private static readonly string[] Fields = ["url", "webhook_url", "slack_webhook_url"];

    /// <returns>The webhook, or null when the secret still holds the deployment's placeholder (not set yet).</returns>
    /// <exception cref="SecretUnavailableException">The value is neither a URL nor JSON with one.</exception>
    public static SecretUrl? Parse(string secretName, string? value)
    {
        if (SlackSecretPlaceholder.Is(value))
        {
            return null;
        }
        var text = value!.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                var field = Fields.Select(f => doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                    .FirstOrDefault(v => v is not null);
                if (field is null)
                {
                    throw new SecretUnavailableException($"The secret '{secretName}' is JSON without a url or webhook_url field");
                }
                if (SlackSecretPlaceholder.Is(field))
                {
                    return null;
                }
                text = field.Trim();
            }
            catch (JsonException ex)
            {
                throw new SecretUnavailableException($"The secret '{secretName}' looks like JSON but does not parse", ex);
            }
        }
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && SecretUrl.IsAllowed(url)
            ? new SecretUrl(url)
            : throw new SecretUnavailableException($"The secret '{secretName}' is not {SecretUrl.Rule}");
    }
}
