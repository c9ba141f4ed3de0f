using HomebrewSync.Core.Api;

namespace HomebrewSync.Adapters.Files;

/// <summary>Homebrew's API files from a folder (a <c>file://</c> catalog URL: the API files beside the copied formula.json).</summary>
public sealed class FileApiFileSource(string directory) : IApiFileSource
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
            return await File.ReadAllBytesAsync(full, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
