using HomebrewSync.Core.Serving;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// A token file on disk; a hash of its bytes tells whether it changed (a copy that keeps the time and size still counts).
/// Opened as the folder store opens its files (<see cref="StoreFile"/>): a named pipe, a socket or a folder put in its place is
/// refused instead of waited on, and a file past <see cref="MaxBytes"/> is refused by its size before it is read.
/// </summary>
public sealed class FileTokenFileSource(string path) : ITokenFileSource
{
    /// <summary>The largest token file read: about ten thousand NAME TOKEN lines.</summary>
    public const int MaxBytes = 1 << 20;

    public string Description => $"token file '{path}'";

    public async Task<TokenFileText?> ReadIfChangedAsync(string? stamp, CancellationToken cancellationToken)
    {
        try
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new TokenFileUnavailableException($"{Description} does not exist");
            }
            var (read, length) = await StoreFile.ReadAtMostAsync(path, path, MaxBytes, cancellationToken, followLinks: true);
            var bytes = read ?? throw new TokenFileUnavailableException($"{Description} is {length:N0} bytes, more than a token file may be ({MaxBytes:N0})");
            var now = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            if (now == stamp)
            {
                return null;
            }
            return new TokenFileText(now, System.Text.Encoding.UTF8.GetString(bytes));
        }
        catch (UnsafeStoreKeyException)
        {
            throw new TokenFileUnavailableException($"{Description} is not a regular file (a folder, a named pipe, a socket or a device)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TokenFileUnavailableException($"{Description} cannot be read: {ex.GetType().Name}", ex);
        }
    }
}
