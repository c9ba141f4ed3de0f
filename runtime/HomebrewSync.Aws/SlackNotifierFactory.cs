using HomebrewSync.Contracts;
using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Aws;

/// <summary>The Slack notifier of a host: the configured webhook, else the secret named by SLACK_WEBHOOK_SECRET_NAME, else none.</summary>
public static class SlackNotifierFactory
{
    /// <exception cref="SecretUnavailableException">The named secret cannot be read or is not a URL.</exception>
    public static async Task<INotifier> CreateAsync(
        NotificationSettings settings, HttpClient http, Uri? ssmEndpoint, string? region, TimeProvider time, Action<string> warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var webhook = settings.SlackWebhookUrl;
        if (webhook is null && settings.SlackWebhookSecretName is { } secretName)
        {
            using var ssm = SsmSecretReader.CreateClient(ssmEndpoint, region);
            var value = await new SsmSecretReader(ssm).ReadAsync(secretName, cancellationToken);
            webhook = Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
                ? new SecretUrl(url)
                : throw new SecretUnavailableException($"The secret '{secretName}' is not an http(s) URL");
        }
        return webhook is null
            ? NullNotifier.Instance
            : new SlackWebhookNotifier(http, webhook, settings.SlackChannel, settings.SlackUsername, time, warn, settings.SlackMaxWait);
    }
}
