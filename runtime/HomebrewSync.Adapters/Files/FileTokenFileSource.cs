using HomebrewSync.Core.Serving;

namespace HomebrewSync.Adapters.Files;

/// <summary>A token file on disk; a hash of its bytes tells whether it changed (a copy that keeps the time and size still counts).</summary>
public sealed class FileTokenFileSource(string path) : ITokenFileSource
{
    public string Description => $"token file '{path}'";

    public async Task<TokenFileText?> ReadIfChangedAsync(string? stamp, CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new TokenFileUnavailableException($"{Description} does not exist");
            }
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            var now = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            if (now == stamp)
            {
                return null;
            }
            return new TokenFileText(now, System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TokenFileUnavailableException($"{Description} cannot be read: {ex.GetType().Name}", ex);
        }
    }
}
