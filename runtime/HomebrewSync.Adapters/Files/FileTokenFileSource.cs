using System.Globalization;
using HomebrewSync.Core.Serving;

namespace HomebrewSync.Adapters.Files;

/// <summary>A token file on disk; its size and modification time tell whether it changed, so an unchanged file costs one stat.</summary>
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
            var now = string.Create(CultureInfo.InvariantCulture, $"{info.LastWriteTimeUtc.Ticks}-{info.Length}");
            if (now == stamp)
            {
                return null;
            }
            return new TokenFileText(now, await File.ReadAllTextAsync(path, cancellationToken));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TokenFileUnavailableException($"{Description} cannot be read: {ex.GetType().Name}", ex);
        }
    }
}
