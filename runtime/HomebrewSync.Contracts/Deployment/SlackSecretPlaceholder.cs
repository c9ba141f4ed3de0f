namespace HomebrewSync.Contracts.Deployment;

/// <summary>The Slack webhook secret's value until someone sets it: the runtime skips Slack (with one warning) instead of failing.</summary>
public static class SlackSecretPlaceholder
{
    public const string Value = "not-set: aws secretsmanager put-secret-value --secret-id <name> --secret-string https://hooks.slack.com/services/...";

    public static bool Is(string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Trim().StartsWith("not-set", StringComparison.Ordinal);
}
