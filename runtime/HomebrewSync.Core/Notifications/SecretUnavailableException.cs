namespace HomebrewSync.Core.Notifications;

/// <summary>A secret cannot be read or does not hold what it should; the message names the secret, never its value.</summary>
public sealed class SecretUnavailableException : Exception
{
    public SecretUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
