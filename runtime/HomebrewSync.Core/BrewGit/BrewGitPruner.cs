using HomebrewSync.Core.Pruning;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.BrewGit;

/// <summary>
/// What prune may remove of the mirrored brew repository: packs (and their indexes) the published <c>objects/info/packs</c> no longer
/// lists, older than <see cref="MirrorPruner.UnlistedGrace"/>, once that list has been published that long too. Nothing else under <c>brew.git/</c> is ever removed, and nothing at all
/// while there is no published list to judge by.
/// </summary>
internal static class BrewGitPruner
{
    public static async Task<IReadOnlyList<PruneItem>> StalePacksAsync(IDocumentStore documents, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (await documents.GetDocumentAsync(BrewGitMirror.Prefix + "objects/info/packs", cancellationToken) is not { } list)
        {
            return [];
        }
        // A pack left the list when the list last changed: a client that read the list before may still be fetching it, so
        // nothing the list leaves out goes until the list itself is past the grace (a pack's own age is its upload's).
        if (now - list.LastModified < MirrorPruner.UnlistedGrace)
        {
            return [];
        }
        // Lines "P pack-<hex>.pack": the stem names the pack and its index.
        var listed = System.Text.Encoding.UTF8.GetString(list.Content).Split('\n')
            .Where(l => l.StartsWith("P ", StringComparison.Ordinal)).Select(l => Stem(l[2..].Trim())).ToHashSet(StringComparer.Ordinal);
        var stale = new List<PruneItem>();
        await foreach (var o in documents.ListDocumentsAsync(BrewGitMirror.Prefix + "objects/pack/", cancellationToken))
        {
            if (StoreKeys.IsBrewGitPackKey(o.Key) && !listed.Contains(Stem(o.Key[(o.Key.LastIndexOf('/') + 1)..])) && now - o.LastModified >= MirrorPruner.UnlistedGrace)
            {
                stale.Add(new PruneItem(o.Key, o.Size, null, "brew.git pack no longer listed in objects/info/packs"));
            }
        }
        return stale;
    }

    private static string Stem(string file) => file.EndsWith(".pack", StringComparison.Ordinal) || file.EndsWith(".idx", StringComparison.Ordinal) ? file[..file.LastIndexOf('.')] : file;
}
