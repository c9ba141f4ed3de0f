using HomebrewSync.Contracts;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// Homebrew's API files from a folder (a <c>file://</c> catalog URL: the API files beside the copied formula.json), each read up
/// to <paramref name="maxBytes"/> (<see cref="EnvVars.MaxApiFileMb"/>, as over HTTP) and opened as the folder store opens its
/// files: one larger, or a named pipe, socket or folder in a file's place, fails that file, refused unread and never waited on.
/// </summary>
public sealed class FileApiFileSource(string directory, long maxBytes) : IApiFileSource
{
    public async Task<byte[]?> GetAsync(string path, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(Path.Combine(directory, path));
        if (!full.StartsWith(Path.GetFullPath(directory), StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var (bytes, length) = await StoreFile.ReadAtMostAsync(full, path, maxBytes, cancellationToken, followLinks: true);
            return bytes ?? throw new BottleDownloadException(FailureKind.TooLarge,
                $"API file {full} ({EnvVars.MaxApiFileMb}) is larger than the limit of {maxBytes:N0} bytes ({length:N0}); not read");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnsafeStoreKeyException ex)
        {
            throw new BottleDownloadException(FailureKind.HttpError, $"API file {full} is not a regular file (a folder, a named pipe, a socket or a device); not read", ex);
        }
    }
}
