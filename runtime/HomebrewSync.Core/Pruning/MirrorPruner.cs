using System.Text.Json;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Platforms;
using HomebrewSync.Core.PortableRuby;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pruning;

/// <summary>
/// Removes what the mirror no longer needs: bottles no target tag resolves to any more (superseded versions, dropped
/// formulae) that were downloaded more than <c>keepDays</c> ago, the image indexes of versions nothing keeps, and
/// bottle objects no hash-file entry names (what a run interrupted between the two steps below leaves).
/// The hash file is written first, then objects are deleted: an interruption leaves unlisted objects, never listed
/// ones that are missing. brew.git packs no longer listed go too (<see cref="BrewGit.BrewGitPruner"/>). The hash file itself, plans and
/// status documents, API files and brew.git's refs are never touched, nor is a
/// bottle a published API file still names.
/// </summary>
internal static class MirrorPruner
{
    /// <summary>Objects no entry names are removed only when older than this: a sync in progress stores a bottle before its checkpoint lists it.</summary>
    public static readonly TimeSpan UnlistedGrace = TimeSpan.FromDays(1);

    /// <summary>
    /// How many unlisted bottle objects prune removes without <c>--delete-unlisted</c>: this many, or a tenth of what the hash
    /// file lists when that is more. Those a killed sync left are of its own day and do not count (<see cref="KilledSyncDays"/>).
    /// More look like a hash file that was lost, replaced, emptied or restored from a backup (a sync then starts a new one,
    /// and everything stored before is unlisted), and deleting them would lose the bottles Macs and the published API files
    /// still ask for.
    /// </summary>
    public const int UnlistedQuietCount = 10;

    /// <summary>How many unlisted objects (from before the newest listed day) may go beside <paramref name="listed"/> hash-file entries without <c>--delete-unlisted</c>.</summary>
    public static int UnlistedLimit(int listed) => Math.Max(UnlistedQuietCount, listed / 10);

    private const int MaxConflictRetries = 20;

    /// <param name="wants">What the current catalog, read in full, wants kept (<see cref="WantedAsync"/>).</param>
    /// <param name="deleteUnlisted">Remove unlisted objects however many there are (<see cref="UnlistedLimit"/>).</param>
    /// <exception cref="PruneRefusedException">Too many unlisted objects without <paramref name="deleteUnlisted"/> (a dry run only warns).</exception>
    public static async Task<PruneResult> PruneAsync(
        CatalogWants wants,
        IBottleStore bottles,
        IHashFileStore hashFile,
        IDocumentStore documents,
        int keepDays,
        bool dryRun,
        bool deleteUnlisted,
        TimeProvider time,
        Action<string> log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wants);
        ArgumentNullException.ThrowIfNull(bottles);
        ArgumentNullException.ThrowIfNull(hashFile);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfNegative(keepDays);
        var now = time.GetUtcNow();
        var cutoff = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-keepDays);

        var (wanted, wantedIndexes, formulae) = (wants.Keys.ToHashSet(StringComparer.Ordinal), wants.Indexes.ToHashSet(StringComparer.Ordinal), wants.Formulae);
        if (formulae == 0)
        {
            throw new PruneRefusedException("the catalog lists no formulae: nothing is pruned on an empty catalog");
        }
        var snapshot = await hashFile.ReadHashFileAsync(cancellationToken)
            ?? throw new PruneRefusedException($"no hash file at {hashFile.HashFileLocation}: without it every object would look unneeded");

        // A bottle a published API file still names stays: a client reading that file asks the mirror for it (a held-back file names older versions).
        var named = await NamedByApiFilesAsync(documents, cancellationToken);
        // Portable Ruby is kept while named (by the registry or the mirrored brew, as the last sync recorded); with no record, all of it.
        var rubyNamed = await PortableRubyNamed.ReadAsync(documents, cancellationToken);
        foreach (var (key, entry) in snapshot.HashFile.Bottles.Where(e => PortableRubyImage.Is(e.Value) && (rubyNamed is null || rubyNamed.Contains(e.Value.FormulaVersion))))
        {
            wanted.Add(key);
            wantedIndexes.Add(BottleNaming.IndexKey(entry.FormulaName, entry.FormulaVersion));
        }
        var superseded = Superseded(snapshot.HashFile, wanted, cutoff);
        var heldByApi = superseded.Where(e => named.Contains(e.Value.Sha256)).Select(e => e.Key).ToArray();
        foreach (var key in heldByApi)
        {
            superseded.Remove(key);
        }
        var remaining = snapshot.HashFile.Bottles.Where(e => !superseded.ContainsKey(e.Key)).ToArray();
        var listedObjects = snapshot.HashFile.Bottles.Values.Select(e => e.S3Key).ToHashSet(StringComparer.Ordinal);
        var keptObjects = remaining.Select(e => e.Value.S3Key).ToHashSet(StringComparer.Ordinal);

        var unlisted = await UnlistedAsync(bottles, listedObjects, now, cancellationToken);
        // One an earlier prune recorded before it dropped it from the hash file is that prune's leftover; those of a killed
        // sync's day (KilledSyncDays) may be that sync's. The rest count.
        var pending = await PrunePending.ReadAsync(documents, cancellationToken);
        var killedSyncDays = KilledSyncDays(listedObjects, unlisted);
        var counted = unlisted.Where(u => !killedSyncDays.Contains(u.ObjectKey[..10]) && !pending.Contains(u.ObjectKey)).ToArray();
        string? wouldRefuse = null;
        if (!deleteUnlisted && counted.Length > UnlistedLimit(snapshot.HashFile.Count))
        {
            var days = killedSyncDays.Count == 0 ? "" : $" from other days than {string.Join(" and ", killedSyncDays.Order(StringComparer.Ordinal))}";
            var why = $"{counted.Length:N0} bottle objects ({Formatting.Humanize.Bytes(counted.Sum(u => u.Size))}){days} "
                + $"are named by no hash-file entry, more than {UnlistedLimit(snapshot.HashFile.Count):N0} beside the {snapshot.HashFile.Count:N0} it lists. "
                + "A hash file that was lost or replaced looks like this, and removing them would lose bottles Macs and published API files still ask for. "
                + "Run 'verify'; restore the hash file if it was lost (an S3 store: 'sync --rebuild-hash'); if you know them for leftovers, "
                + "run prune with --delete-unlisted";
            if (!dryRun)
            {
                throw new PruneRefusedException(why);
            }
            log($"warning: prune without --delete-unlisted would refuse: {why}");
            wouldRefuse = why;
        }
        unlisted.AddRange(await BrewGit.BrewGitPruner.StalePacksAsync(documents, now, cancellationToken));
        var inUse = remaining.Select(e => (BottleNaming.ImageName(e.Value.FormulaName), e.Value.FormulaVersion)).ToHashSet();
        var manifests = await UnusedIndexesAsync(documents, wantedIndexes, inUse, cancellationToken);

        var supersededItems = superseded
            .Where(e => !keptObjects.Contains(e.Value.S3Key))
            .Select(e => new PruneItem(e.Value.S3Key, e.Value.FileSize, e.Key, WhySuperseded(e.Value)))
            .OrderBy(i => i.ObjectKey, StringComparer.Ordinal)
            .ToArray();
        var result = new PruneResult(dryRun, cutoff, supersededItems, unlisted.OrderBy(i => i.ObjectKey, StringComparer.Ordinal).ToArray(),
            manifests.OrderBy(i => i.ObjectKey, StringComparer.Ordinal).ToArray(), remaining.Length, heldByApi.Length) { WouldRefuse = wouldRefuse };
        if (dryRun || result.Count == 0)
        {
            return result;
        }

        var left = await RemoveAsync(result, superseded, bottles, hashFile, documents, time, log, cancellationToken);
        if (left.Count == 0)
        {
            return result;
        }
        // What was reported removed is what was: the rest is listed apart, with why it stayed.
        var stayed = left.Select(l => l.ObjectKey).ToHashSet(StringComparer.Ordinal);
        return result with
        {
            Superseded = result.Superseded.Where(i => !stayed.Contains(i.ObjectKey)).ToArray(),
            Unlisted = result.Unlisted.Where(i => !stayed.Contains(i.ObjectKey)).ToArray(),
            ImageIndexes = result.ImageIndexes.Where(i => !stayed.Contains(i.ObjectKey)).ToArray(),
            LeftInPlace = left,
        };
    }

    /// <summary>
    /// The days (date folders, YYYY-MM-DD) whose unlisted objects may be what a killed sync left: the newest day the hash file
    /// lists (a sync killed between two checkpoints), and the latest day of unlisted objects after it (one killed before its
    /// first). A sync stores only under its own day, so one killed sync leaves one day. Unlisted objects of several later
    /// days look like a hash file restored from a backup, and with none listed, like one that was emptied: none of those is
    /// a killed sync's, and they count.
    /// </summary>
    private static HashSet<string> KilledSyncDays(HashSet<string> listedObjects, List<PruneItem> unlisted)
    {
        var days = new HashSet<string>(StringComparer.Ordinal);
        if (listedObjects.Count == 0)
        {
            return days;
        }
        // Date folders compare as text.
        var newestListed = listedObjects.Select(k => k[..10]).Max(StringComparer.Ordinal)!;
        days.Add(newestListed);
        if (unlisted.Select(u => u.ObjectKey[..10]).Where(d => string.CompareOrdinal(d, newestListed) > 0).Max(StringComparer.Ordinal) is { } latest)
        {
            days.Add(latest);
        }
        return days;
    }

    private static string WhySuperseded(HashEntry e) =>
        (PortableRubyImage.Is(e)
            ? $"portable Ruby {e.FormulaVersion} is no longer named by the registry or the mirrored brew"
            : $"{e.FormulaName} {e.FormulaVersion} is no longer what {e.Platform} resolves to") + $"; downloaded {e.DownloadDate:yyyy-MM-dd}";

    /// <summary>Bottle objects no hash-file entry names, older than <see cref="UnlistedGrace"/>.</summary>
    private static async Task<List<PruneItem>> UnlistedAsync(IBottleStore bottles, HashSet<string> listedObjects, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var unlisted = new List<PruneItem>();
        await foreach (var obj in bottles.ListAsync(cancellationToken))
        {
            if (!listedObjects.Contains(obj.Key) && obj.LastModified is { } modified && now - modified >= UnlistedGrace)
            {
                unlisted.Add(new PruneItem(obj.Key, obj.Size, null, "named by no hash-file entry"));
            }
        }
        return unlisted;
    }

    /// <summary>Image indexes of versions neither the catalog's targets nor a kept hash-file entry need.</summary>
    private static async Task<List<PruneItem>> UnusedIndexesAsync(IDocumentStore documents, HashSet<string> wantedIndexes, HashSet<(string, string)> inUse,
        CancellationToken cancellationToken)
    {
        var manifests = new List<PruneItem>();
        await foreach (var doc in documents.ListDocumentsAsync(BottleNaming.IndexPrefix, cancellationToken))
        {
            if (StoreKeys.IsIndexKey(doc.Key) && !wantedIndexes.Contains(doc.Key) && !IndexInUse(doc.Key, inUse))
            {
                manifests.Add(new PruneItem(doc.Key, doc.Size, null, "image index of a version the mirror no longer keeps"));
            }
        }
        return manifests;
    }

    /// <summary>The removal itself: the hash file first, then the objects.</summary>
    /// <returns>The items left in place, each with why.</returns>
    private static async Task<List<PruneItem>> RemoveAsync(PruneResult result, Dictionary<string, HashEntry> superseded, IBottleStore bottles, IHashFileStore hashFile,
        IDocumentStore documents, TimeProvider time, Action<string> log, CancellationToken cancellationToken)
    {
        var left = new List<PruneItem>();
        // The lease asked of the store before anything is written, and again before and during the deletions.
        var confirmations = new LeaseConfirmations(cancellationToken);
        await confirmations.NowAsync("writing what prune is about to delete");
        // 0. What is about to go, recorded: cut short after step 1, the next prune knows these unlisted objects for its own.
        var doomed = result.Superseded.Concat(result.Unlisted).Select(i => i.ObjectKey).ToArray();
        if (doomed.Length > 0)
        {
            await PrunePending.WriteAsync(documents, doomed, log, cancellationToken);
        }
        // 1. The hash file, without the superseded entries: from here on nothing lists what is about to go.
        if (superseded.Count > 0)
        {
            await WriteWithoutAsync(hashFile, superseded, time, log, cancellationToken);
            log($"Hash file written: {hashFile.HashFileLocation} ({superseded.Count:N0} entries removed)");
        }
        // 2. The objects. An interruption here leaves unlisted objects, which the next prune removes. Whatever the hash file
        // lists as it now is stays, however it came to be listed again since prune looked (prune runs alone, so this only
        // matters where that promise broke: a lost lease, a host running an older version). The lease is asked of the store
        // first and every few deletions (LeaseConfirmations).
        await confirmations.NowAsync("deleting");
        var listedNow = (await hashFile.ReadHashFileAsync(cancellationToken))?.HashFile.Bottles.Values.Select(e => e.S3Key).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var item in result.Superseded.Concat(result.Unlisted))
        {
            // A prune whose lease is gone stops here: the token is the lease's, and the lease is asked by the clock now.
            cancellationToken.ThrowIfCancellationRequested();
            await confirmations.EveryFewAsync($"deleting {item.ObjectKey}");
            LeaseScope.EnsureHeld($"deleting {item.ObjectKey}");
            if (listedNow.Contains(item.ObjectKey))
            {
                log($"warning: kept {item.ObjectKey}: the hash file lists it again");
                left.Add(item with { Reason = "the hash file lists it again" });
                continue;
            }
            if (await TryDeleteAsync(() => bottles.DeleteAsync(item.ObjectKey, cancellationToken), log) is { } refused)
            {
                left.Add(item with { Reason = refused });
                continue;
            }
            log($"Removed {item.ObjectKey} ({Formatting.Humanize.Bytes(item.Size)}): {item.Reason}");
        }
        foreach (var item in result.ImageIndexes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await confirmations.EveryFewAsync($"deleting {item.ObjectKey}");
            LeaseScope.EnsureHeld($"deleting {item.ObjectKey}");
            if (await TryDeleteAsync(() => documents.DeleteDocumentAsync(item.ObjectKey, cancellationToken), log) is { } refused)
            {
                left.Add(item with { Reason = refused });
                continue;
            }
            log($"Removed {item.ObjectKey}: {item.Reason}");
        }
        if (doomed.Length > 0)
        {
            await PrunePending.WriteAsync(documents, [], log, cancellationToken);
        }
        return left;
    }

    /// <summary>A deletion the store refuses (a key outside the grammar, a link) is left in place with a warning; the prune goes on.</summary>
    /// <returns>Null once deleted; else why the store refused.</returns>
    private static async Task<string?> TryDeleteAsync(Func<Task> delete, Action<string> log)
    {
        try
        {
            await delete();
            return null;
        }
        catch (UnsafeStoreKeyException ex)
        {
            log($"warning: left in place: {ex.Message}");
            return ex.Message;
        }
    }

    /// <summary>
    /// Hash-file keys of the bottles the targets resolve to today, the image indexes of those versions, and how many formulae
    /// were read: what prune keeps of the catalog, as it streams by (the formulae themselves are not held).
    /// </summary>
    public static async Task<CatalogWants> WantedAsync(IAsyncEnumerable<Formula> catalog, IReadOnlyList<string> targetTags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(targetTags);
        var targets = targetTags.Select(PlatformTag.Parse).ToArray();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var indexes = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        await foreach (var formula in catalog.WithCancellation(cancellationToken))
        {
            count++;
            foreach (var target in targets)
            {
                if (BottleResolver.Resolve(formula, target) is { } file)
                {
                    keys.Add(BottleNaming.Key(formula.Name, formula.Version, file.Tag));
                    indexes.Add(BottleNaming.IndexKey(formula.Name, BottleNaming.IndexReference(formula.Version, formula.Rebuild)));
                }
            }
        }
        return new CatalogWants(keys, indexes, count);
    }

    /// <summary>Every bottle sha256 the API files in the store name; one that cannot be read stops the prune.</summary>
    private static async Task<HashSet<string>> NamedByApiFilesAsync(IDocumentStore documents, CancellationToken cancellationToken)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var doc in documents.ListDocumentsAsync(ApiMirror.StorePrefix, cancellationToken))
        {
            // Only what serve would hand a client: a file outside the API key grammar (a stray name, a backslash in it) names nothing brew installs.
            if (!StoreKeys.IsApiKey(doc.Key) || !doc.Key.EndsWith(".jws.json", StringComparison.Ordinal))
            {
                continue;
            }
            var content = (await documents.GetDocumentAsync(doc.Key, cancellationToken))?.Content;
            try
            {
                if (content is not null)
                {
                    named.UnionWith(ApiPayload.AllChecksums(content));
                }
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new PruneRefusedException($"the API file {doc.Key} cannot be read ({ex.Message}): without it, what its clients install is unknown");
            }
        }
        return named;
    }

    private static Dictionary<string, HashEntry> Superseded(HashFile hashFile, HashSet<string> wanted, DateOnly cutoff) =>
        hashFile.Bottles.Where(e => !wanted.Contains(e.Key) && e.Value.DownloadDate < cutoff).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    /// <summary>Whether <c>manifests/&lt;image&gt;/&lt;version&gt;[-&lt;rebuild&gt;].json</c> belongs to a version some kept entry has.</summary>
    private static bool IndexInUse(string key, HashSet<(string Image, string Version)> inUse) =>
        inUse.Any(u => key == $"{BottleNaming.IndexPrefix}{u.Image}/{u.Version}.json" || key.StartsWith($"{BottleNaming.IndexPrefix}{u.Image}/{u.Version}-", StringComparison.Ordinal));

    /// <summary>Removes the entries from the hash file with a conditional write; a concurrent sync's write makes it read again and retry.</summary>
    private static async Task WriteWithoutAsync(IHashFileStore store, Dictionary<string, HashEntry> remove, TimeProvider time, Action<string> log, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var snapshot = await store.ReadHashFileAsync(cancellationToken) ?? throw new PruneRefusedException($"the hash file {store.HashFileLocation} disappeared");
            var hashFile = snapshot.HashFile.Clone();
            foreach (var (key, entry) in remove)
            {
                // Only what was judged: an entry a concurrent run re-downloaded since is kept.
                if (hashFile.TryGet(key, out var current) && current == entry)
                {
                    hashFile.Remove(key);
                }
            }
            hashFile.LastUpdated = time.GetUtcNow();
            LeaseScope.EnsureHeld("writing the hash file");
            try
            {
                await store.WriteHashFileAsync(hashFile, snapshot.Version, cancellationToken);
                return;
            }
            catch (HashFileConflictException) when (attempt < MaxConflictRetries)
            {
                log(Progress.SyncLog.Conflict(store.HashFileLocation, attempt + 1));
            }
        }
    }
}

/// <summary>What the catalog wants kept: hash-file keys of the bottles the targets resolve to, those versions' image indexes, and how many formulae it listed.</summary>
internal sealed record CatalogWants(IReadOnlySet<string> Keys, IReadOnlySet<string> Indexes, int Formulae);
