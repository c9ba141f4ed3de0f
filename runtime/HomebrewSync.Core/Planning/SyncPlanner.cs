using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Manifest;
using HomebrewSync.Core.Platforms;

namespace HomebrewSync.Core.Planning;

/// <summary>
/// Turns the catalog and the hash file into the bottles this run must store. A bottle is named and keyed after
/// its own tag, the one brew asks the mirror for, and stored once however many target tags resolve to it. A
/// store laid out by an earlier version (bottles named after the target tag) is renamed in place: the bytes
/// are copied to the real name, never downloaded again, and the old entries are retired.
/// A catalog that lists one name twice, or two entries whose bottles get one hash-file key or file name, plans only the
/// first entry in catalog order and warns about the others: no two transfers ever write one key.
/// </summary>
public static class SyncPlanner
{
    private const int MaxWarnings = 200;

    /// <exception cref="PlanInputException">An unknown platform tag or formula name.</exception>
    public static Task<PlanOutcome> PlanAsync(
        IAsyncEnumerable<Formula> catalog,
        HashManifest? manifest,
        PlanRequest request,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        PlanAsync(catalog, Task.FromResult(manifest), Task.FromResult<IReadOnlySet<string>?>(null), request, time, cancellationToken);

    /// <param name="manifestTask">The hash file, still being read while the catalog starts to stream; awaited at the first formula.</param>
    /// <param name="storedIndexesTask">Keys of the image indexes the store holds (<c>manifests/...</c>); null when unknown (every mirrored version is then planned).</param>
    public static async Task<PlanOutcome> PlanAsync(
        IAsyncEnumerable<Formula> catalog,
        Task<HashManifest?> manifestTask,
        Task<IReadOnlySet<string>?> storedIndexesTask,
        PlanRequest request,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(manifestTask);
        ArgumentNullException.ThrowIfNull(storedIndexesTask);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(time);
        var targets = request.Platforms.Select(PlatformTag.Parse).ToArray();
        var macTargets = targets.Where(t => t.IsMacOs).ToArray();
        var wanted = request.Formulae is { } names ? new HashSet<string>(names, StringComparer.Ordinal) : null;
        var found = new HashSet<string>(StringComparer.Ordinal);
        var tagsInCatalog = new HashSet<string>(StringComparer.Ordinal);
        // Per macOS target: formulae with a macOS bottle of its architecture, and those with one of the target's own
        // (few, for a tag Homebrew stopped building: only the formulae not rebuilt since).
        var withMacBottle = new Dictionary<string, int>(StringComparer.Ordinal);
        var ownTag = new Dictionary<string, int>(StringComparer.Ordinal);
        var parsed = new Dictionary<string, PlatformTag>(StringComparer.Ordinal);
        var bottles = new List<PlannedBottle>();
        var retire = new List<string>();
        var indexes = new List<PlannedManifest>();
        var warnings = new List<string>();
        // The first entry of a name wins; the keys and file names its bottles take are claimed for it (name and version).
        var firstOfName = new Dictionary<string, string>(StringComparer.Ordinal);
        var claimed = new Dictionary<string, string>(StringComparer.Ordinal);
        HashManifest? manifest = null;
        IReadOnlySet<string>? storedIndexes = null;
        ILookup<string, KeyValuePair<string, HashEntry>>? bySha = null;
        int read = 0, skipped = 0, disabled = 0;

        await foreach (var formula in catalog.WithCancellation(cancellationToken))
        {
            if (read == 0)
            {
                manifest = await manifestTask;
                storedIndexes = await storedIndexesTask;
                bySha = (manifest?.Bottles ?? new Dictionary<string, HashEntry>()).ToLookup(e => e.Value.Sha256, StringComparer.Ordinal);
            }
            read++;
            tagsInCatalog.UnionWith(formula.Files.Keys);
            if (!firstOfName.TryAdd(formula.Name, formula.Version))
            {
                Warn(warnings, $"{formula.Name} {formula.Version}: the catalog lists {formula.Name} again; its first entry ({formula.Name} {firstOfName[formula.Name]}) is mirrored, this one ignored");
                continue;
            }
            if (wanted is not null)
            {
                if (!wanted.Contains(formula.Name))
                {
                    continue;
                }
                found.Add(formula.Name);
            }
            if (formula.Files.Count == 0)
            {
                if (wanted is not null)
                {
                    Warn(warnings, $"{formula.Name}: has no bottles");
                }
                continue;
            }
            if (formula.Disabled && !request.IncludeDisabled)
            {
                disabled++;
                continue;
            }
            // The macOS architectures the formula has a bottle for, read once for all the targets.
            var macArchitectures = macTargets.Length == 0 ? null : formula.Files.Keys
                .Select(k => parsed.TryGetValue(k, out var p) ? p : parsed[k] = PlatformTag.Parse(k))
                .Where(t => t.IsMacOs).Select(t => t.Architecture).ToHashSet(StringComparer.Ordinal);
            foreach (var target in macTargets)
            {
                if (macArchitectures!.Contains(target.Architecture))
                {
                    withMacBottle[target.Name] = withMacBottle.GetValueOrDefault(target.Name) + 1;
                    if (formula.Files.ContainsKey(target.Name))
                    {
                        ownTag[target.Name] = ownTag.GetValueOrDefault(target.Name) + 1;
                    }
                }
            }
            // Which of the formula's bottles the targets resolve to, each once, with the targets it serves.
            var resolved = new SortedDictionary<string, (BottleFile File, List<string> Serves)>(StringComparer.Ordinal);
            foreach (var target in targets)
            {
                if (BottleResolver.Resolve(formula, target) is not { } file)
                {
                    if (wanted is not null)
                    {
                        Warn(warnings, $"{formula.Name}: no bottle serves {target.Name}");
                    }
                    continue;
                }
                if (!resolved.TryGetValue(file.Tag, out var r))
                {
                    resolved[file.Tag] = r = (file, []);
                }
                r.Serves.Add(target.Name);
            }
            if (resolved.Count == 0)
            {
                continue;
            }
            var anyNew = false;
            var owner = $"{formula.Name} {formula.Version}";
            foreach (var (tag, (file, serves)) in resolved.ToArray())
            {
                var key = BottleNaming.Key(formula.Name, formula.Version, tag);
                var fileName = BottleNaming.FileName(formula.Name, formula.Version, tag, formula.Rebuild);
                if ((claimed.GetValueOrDefault(key) ?? claimed.GetValueOrDefault(fileName)) is { } first)
                {
                    Warn(warnings, $"{owner} ({tag}): its bottle {fileName} has the key or file name of {first}'s, listed earlier in the catalog; the earlier one is mirrored, this one ignored");
                    resolved.Remove(tag);
                    continue;
                }
                claimed[key] = owner;
                claimed[fileName] = owner;
                // The same bytes under another key of this formula version: an earlier layout's name for this bottle.
                var earlier = bySha![file.Sha256]
                    .Where(e => e.Key != key && e.Value.FormulaName == formula.Name && e.Value.FormulaVersion == formula.Version)
                    .OrderBy(e => e.Key, StringComparer.Ordinal)
                    .ToArray();
                if (!request.Force && manifest is not null && manifest.TryGet(key, out var existing) && existing.Sha256 == file.Sha256)
                {
                    skipped++;
                    retire.AddRange(earlier.Select(e => e.Key));
                    continue;
                }
                anyNew = true;
                var copyFrom = request.Force || earlier.Length == 0 ? null : earlier[0].Value;
                var date = copyFrom?.DownloadDate ?? request.SyncDate;
                bottles.Add(new PlannedBottle
                {
                    Key = key,
                    FormulaName = formula.Name,
                    FormulaVersion = formula.Version,
                    Platform = tag,
                    Serves = serves,
                    Rebuild = formula.Rebuild,
                    Sha256 = file.Sha256,
                    // HttpClient never sends a URL's user-info, so stripping it loses nothing and keeps it out of plans and the hash file.
                    Url = UrlDisplay.Strip(file.Url).AbsoluteUri,
                    ObjectKey = BottleNaming.ObjectKey(date, fileName),
                    Date = copyFrom is null ? null : Format(date),
                    CopyFrom = copyFrom?.S3Key,
                    Replaces = earlier.Select(e => e.Key).ToArray(),
                });
            }
            if (resolved.Count == 0)
            {
                continue;
            }
            var reference = BottleNaming.ManifestReference(formula.Version, formula.Rebuild);
            var indexKey = BottleNaming.IndexKey(formula.Name, reference);
            if (!claimed.TryAdd(indexKey, owner))
            {
                // Another name with the same image ('+' and 'x' both become 'x'): its index was planned first.
                Warn(warnings, $"{owner}: its image index {indexKey} is also {claimed[indexKey]}'s, listed earlier in the catalog; that one is kept");
                continue;
            }
            if ((anyNew || storedIndexes is null || !storedIndexes.Contains(indexKey)) && BottleNaming.ImageBaseOf(resolved.Values.First().File.Url) is { } image)
            {
                indexes.Add(new PlannedManifest
                {
                    Key = indexKey,
                    ImageUrl = image.AbsoluteUri,
                    Reference = reference,
                    Digests = resolved.Values.Select(r => r.File.Sha256).Distinct(StringComparer.Ordinal).ToArray(),
                });
            }
        }

        if (read == 0)
        {
            await manifestTask;
            await storedIndexesTask;
        }
        var unknownTags = targets.Where(t => !t.IsKnownRelease && !tagsInCatalog.Contains(t.Name)).Select(t => t.Name).ToArray();
        if (unknownTags.Length > 0)
        {
            var known = string.Join(", ", tagsInCatalog.Order(StringComparer.Ordinal));
            throw new PlanInputException($"Unknown platform tag(s): {string.Join(", ", unknownTags)}. Tags in this catalog: {known}");
        }
        if (wanted is not null && wanted.Except(found).Order(StringComparer.Ordinal).ToArray() is { Length: > 0 } missing)
        {
            throw new PlanInputException($"Not a formula in the catalog: {string.Join(", ", missing)}");
        }
        foreach (var stale in targets.Where(t => t.IsKnownRelease).Reverse())
        {
            const string Advice = "mirror the tags your Macs run (e.g. arm64_tahoe, arm64_sequoia, arm64_sonoma)";
            var own = ownTag.GetValueOrDefault(stale.Name);
            var mac = withMacBottle.GetValueOrDefault(stale.Name);
            if (!tagsInCatalog.Contains(stale.Name))
            {
                warnings.Insert(0, $"Homebrew builds no {stale.Name} bottles any more (none in this catalog): {stale.Name} is served only by older or \"all\" bottles; {Advice}");
            }
            else if (own * 2 < mac)
            {
                warnings.Insert(0, $"Homebrew no longer builds most {stale.Name} bottles: {own:N0} of {mac:N0} formulae with a macOS bottle have one of their own, "
                    + $"the rest reach {stale.Name} only through an older tag's bottle or not at all; {Advice}");
            }
        }

        var plan = new SyncPlan
        {
            SyncDate = Format(request.SyncDate),
            CreatedAt = time.GetUtcNow(),
            ApiUrl = UrlDisplay.Redact(request.ApiUrl),
            Platforms = request.Platforms,
            Force = request.Force,
            Trigger = request.Labels.Trigger,
            RequestedBy = request.Labels.RequestedBy,
            Priority = request.Labels.Priority,
            NotificationChannel = request.Labels.NotificationChannel,
            Skipped = skipped,
            Bottles = bottles,
            Retire = retire.Distinct(StringComparer.Ordinal).ToArray(),
            Manifests = indexes,
        };
        return new PlanOutcome(plan, read, disabled, warnings);
    }

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static void Warn(List<string> warnings, string warning)
    {
        if (warnings.Count < MaxWarnings)
        {
            warnings.Add(warning);
        }
    }
}
