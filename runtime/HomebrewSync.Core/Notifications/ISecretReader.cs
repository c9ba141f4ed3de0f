namespace HomebrewSync.Core.Notifications;

/// <summary>Reads a secret by name (the Slack webhook from Secrets Manager).</summary>
public interface ISecretReader
{
    /// <exception cref="SecretUnavailableException">The secret does not exist or cannot be read; the message never holds its value.</exception>
    Task<string> ReadAsync(string name, CancellationToken cancellationToken);
}
