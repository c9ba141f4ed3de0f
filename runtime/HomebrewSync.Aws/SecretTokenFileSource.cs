using System.Security.Cryptography;
using System.Text;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Serving;

namespace HomebrewSync.Aws;

/// <summary>A token file kept in a Secrets Manager secret (read through SSM); its hash tells whether it changed.</summary>
public sealed class SecretTokenFileSource(ISecretReader secrets, string name) : ITokenFileSource
{
    public string Description => $"token secret '{name}' (set it with: aws secretsmanager put-secret-value --secret-id {name} --secret-string file://tokens.txt)";

    public async Task<TokenFileText?> ReadIfChangedAsync(string? stamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        string text;
        try
        {
            text = await secrets.ReadAsync(name, cancellationToken);
        }
        catch (SecretUnavailableException ex)
        {
            throw new TokenFileUnavailableException(ex.Message, ex);
        }
        var now = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return now == stamp ? null : new TokenFileText(now, text);
    }
}
