using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Platforms;

namespace HomebrewSync.Core.Planning;

/// <summary>
/// What planning gathers formula by formula (<see cref="SyncPlanner"/> feeds it the catalog): the bottles to fetch, the
/// earlier-layout entries to retire, the image indexes to keep, the warnings; then the plan.
/// </summary>
internal sealed class PlanBuilder
{
    private const int MaxWarnings = 200;
    private readonly PlanRequest _request;
    private readonly PlatformTag[] _targets;
    private readonly PlatformTag[] _macTargets;
    private readonly HashSet<string>? _wanted;
    private readonly HashSet<string> _found = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tagsInCatalog = new(StringComparer.Ordinal);
    // Per macOS target: formulae with a macOS bottle of its architecture, and those with one of the target's own
    // (few, for a tag Homebrew stopped building: only the formulae not rebuilt since).
    private readonly Dictionary<string, int> _withMacBottle = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ownTag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PlatformTag> _parsed = new(StringComparer.Ordinal);
    private readonly List<PlannedBottle> _bottles = [];
    private readonly List<string> _retire = [];
    private readonly List<PlannedImageIndex> _indexes = [];
    private readonly List<string> _warnings = [];
    // The first entry of a name wins; the keys and file names its bottles take are claimed for it (name and version).
    private readonly Dictionary<string, string> _firstOfName = new(StringComparer.Ordinal);
    private readonly CatalogClaims _claims = new();
    private readonly List<string> _portableRuby = [];
    private HashFile? _hashFile;
    private IReadOnlySet<string>? _storedIndexes;
    private ILookup<string, KeyValuePair<string, HashEntry>> _bySha = Array.Empty<KeyValuePair<string, HashEntry>>().ToLookup(e => e.Value.Sha256, StringComparer.Ordinal);
    private int _read, _skipped, _disabled;

    /// <exception cref="ArgumentException">A target that is not a platform tag.</exception>
    public PlanBuilder(PlanRequest request)
    {
        _request = request;
        _targets = request.Platforms.Select(PlatformTag.Parse).ToArray();
        _macTargets = _targets.Where(t => t.IsMacOs).ToArray();
        _wanted = request.Formulae is { } names ? new HashSet<string>(names, StringComparer.Ordinal) : null;
    }

    /// <summary>The hash file and the image indexes the store keeps (null when unknown: every mirrored version's index is then planned).</summary>
    public void Against(HashFile? hashFile, IReadOnlySet<string>? storedIndexes)
    {
        _hashFile = hashFile;
        _storedIndexes = storedIndexes;
        _bySha = (hashFile?.Bottles ?? new Dictionary<string, HashEntry>()).ToLookup(e => e.Value.Sha256, StringComparer.Ordinal);
    }

    public void Add(Formula formula)
    {
        _read++;
        _tagsInCatalog.UnionWith(formula.Files.Keys);
        if (!Admit(formula))
        {
            return;
        }
        CountMacBottles(formula);
        var resolved = PlanSteps.Resolve(formula, _targets, out var unserved);
        if (_wanted is not null)
        {
            unserved.ForEach(t => Warn($"{formula.Name}: no bottle serves {t}"));
        }
        if (resolved.Count == 0)
        {
            return;
        }
        var anyNew = PlanBottles(formula, resolved);
        if (resolved.Count > 0)
        {
            PlanIndex(formula, resolved, anyNew);
        }
    }

    /// <summary>Portable Ruby: every platform bottle of each version, whatever the target tags (its tags are not the fleet's).</summary>
    public void AddPortableRuby(PortableRuby.PortableRubyResolution resolution)
    {
        resolution.Warnings.ToList().ForEach(Warn);
        foreach (var formula in resolution.Versions)
        {
            var resolved = new SortedDictionary<string, (BottleFile File, List<string> Serves)>(StringComparer.Ordinal);
            foreach (var (tag, file) in formula.Files)
            {
                resolved[tag] = (file, [tag]);
            }
            var anyNew = PlanBottles(formula, resolved);
            if (resolved.Count > 0)
            {
                PlanIndex(formula, resolved, anyNew);
                _portableRuby.Add(formula.Version);
            }
        }
    }

    /// <exception cref="PlanInputException">An unknown platform tag or formula name.</exception>
    public PlanOutcome Build(TimeProvider time)
    {
        PlanSteps.EnsureKnown(_targets, _tagsInCatalog, _wanted, _found);
        _warnings.InsertRange(0, PlanSteps.StaleTagWarnings(_targets, _tagsInCatalog, _ownTag, _withMacBottle));
        var labels = _request.Labels;
        var plan = new SyncPlan
        {
            SyncDate = Format(_request.SyncDate),
            CreatedAt = time.GetUtcNow(),
            ApiUrl = UrlDisplay.Redact(_request.ApiUrl),
            Platforms = _request.Platforms,
            Force = _request.Force,
            Trigger = labels.Trigger,
            RequestedBy = labels.RequestedBy,
            Priority = labels.Priority,
            NotificationChannel = labels.NotificationChannel,
            Skipped = _skipped,
            Bottles = _bottles,
            Retire = _retire.Distinct(StringComparer.Ordinal).ToArray(),
            ImageIndexes = _indexes,
            PortableRuby = _portableRuby,
        };
        return new PlanOutcome(plan, _read, _disabled, _warnings);
    }

    /// <summary>Whether the formula is planned at all: its name's first entry, asked for, with bottles, not disabled (unless included).</summary>
    private bool Admit(Formula formula)
    {
        if (!_firstOfName.TryAdd(formula.Name, formula.Version))
        {
            Warn($"{formula.Name} {formula.Version}: the catalog lists {formula.Name} again; its first entry ({formula.Name} {_firstOfName[formula.Name]}) is mirrored, this one ignored");
            return false;
        }
        if (_wanted is not null)
        {
            if (!_wanted.Contains(formula.Name))
            {
                return false;
            }
            _found.Add(formula.Name);
        }
        if (formula.Files.Count == 0)
        {
            if (_wanted is not null)
            {
                Warn($"{formula.Name}: has no bottles");
            }
            return false;
        }
        if (formula.Disabled && !_request.IncludeDisabled)
        {
            _disabled++;
            return false;
        }
        return true;
    }

    /// <summary>Counts the formula for the stale-tag warnings of each macOS target.</summary>
    private void CountMacBottles(Formula formula)
    {
        if (_macTargets.Length == 0)
        {
            return;
        }
        // The macOS architectures the formula has a bottle for, read once for all the targets.
        var macArchitectures = formula.Files.Keys
            .Select(k => _parsed.TryGetValue(k, out var p) ? p : _parsed[k] = PlatformTag.Parse(k))
            .Where(t => t.IsMacOs).Select(t => t.Architecture).ToHashSet(StringComparer.Ordinal);
        foreach (var target in _macTargets.Where(t => macArchitectures.Contains(t.Architecture)))
        {
            _withMacBottle[target.Name] = _withMacBottle.GetValueOrDefault(target.Name) + 1;
            if (formula.Files.ContainsKey(target.Name))
            {
                _ownTag[target.Name] = _ownTag.GetValueOrDefault(target.Name) + 1;
            }
        }
    }

    /// <summary>Plans the resolved bottles the hash file lacks; drops from <paramref name="resolved"/> those another formula claimed first.</summary>
    /// <returns>Whether any bottle is planned (new, or renamed from an earlier layout).</returns>
    private bool PlanBottles(Formula formula, SortedDictionary<string, (BottleFile File, List<string> Serves)> resolved)
    {
        var anyNew = false;
        var owner = $"{formula.Name} {formula.Version}";
        // Two tags may share one blob: neither's current key is the other's earlier layout.
        var keys = resolved.Keys.ToDictionary(t => t, t => BottleNaming.Key(formula.Name, formula.Version, t), StringComparer.Ordinal);
        foreach (var (tag, (file, serves)) in resolved.ToArray())
        {
            var key = keys[tag];
            var fileName = BottleNaming.FileName(formula.Name, formula.Version, tag, formula.Rebuild);
            if (_claims.TryClaimBottle(key, fileName, owner) is { } first)
            {
                Warn($"{owner} ({tag}): its bottle {fileName} has the key or file name of {first}'s, listed earlier in the catalog; the earlier one is mirrored, this one ignored");
                resolved.Remove(tag);
                continue;
            }
            // The same bytes under another key of this formula version: an earlier layout's name for this bottle.
            var earlier = EarlierLayouts(formula, file.Sha256, keys);
            var existing = _hashFile is not null && _hashFile.TryGet(key, out var entry) ? entry : null;
            if (!_request.Force && existing is not null && existing.Sha256 == file.Sha256)
            {
                _skipped++;
                _retire.AddRange(earlier.Select(e => e.Key));
                continue;
            }
            var bottle = Bottle(formula, tag, file, serves, fileName, earlier);
            // Its object holds the listed bottle of other bytes, which is never replaced in place (TransferRun.Displaces).
            if (existing is not null && existing.S3Key == bottle.ObjectKey && existing.Sha256 != file.Sha256)
            {
                var ownFolder = BottleNaming.ObjectKey(_request.SyncDate, fileName);
                if (bottle.CopyFrom is null || ownFolder == bottle.ObjectKey)
                {
                    // Its sha256 changed on the day the listed bottle was stored (or on the date this run is pinned to).
                    Warn($"{owner} ({tag}): its sha256 changed, but the bottle the hash file lists is {existing.S3Key}, in this run's own folder, where a listed bottle is never replaced; a sync with a later date (not one pinned to {Format(_request.SyncDate)}) fetches the new one");
                    resolved.Remove(tag);
                    continue;
                }
                // Copied from an earlier layout into that layout's date folder: into this run's own instead.
                bottle = bottle with { ObjectKey = ownFolder, Date = null };
            }
            anyNew = true;
            _bottles.Add(bottle);
        }
        return anyNew;
    }

    /// <summary>
    /// The hash file's entries of these bytes under another key of this formula version, by key: none of this run's keys, and
    /// none of a tag the catalog lists for it (another tag's own bottle of the same bytes, kept when a run targets fewer tags).
    /// </summary>
    private KeyValuePair<string, HashEntry>[] EarlierLayouts(Formula formula, string sha256, Dictionary<string, string> currentKeys)
    {
        var sameBytes = _bySha[sha256];
        // Nearly always nothing, or only the bottle's own entry: answered without building a query.
        if (sameBytes is ICollection<KeyValuePair<string, HashEntry>> { Count: 0 }
            || (sameBytes is IList<KeyValuePair<string, HashEntry>> { Count: 1 } one && currentKeys.ContainsValue(one[0].Key)))
        {
            return [];
        }
        return sameBytes.Where(e => !currentKeys.ContainsValue(e.Key) && e.Value.FormulaName == formula.Name && e.Value.FormulaVersion == formula.Version
                && !formula.Files.Keys.Any(tag => string.Equals(BottleNaming.Key(formula.Name, formula.Version, tag), e.Key, StringComparison.Ordinal)))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .ToArray();
    }

    private PlannedBottle Bottle(Formula formula, string tag, BottleFile file, List<string> serves, string fileName, KeyValuePair<string, HashEntry>[] earlier)
    {
        var copyFrom = _request.Force || earlier.Length == 0 ? null : earlier[0].Value;
        var date = copyFrom?.DownloadDate ?? _request.SyncDate;
        return new PlannedBottle
        {
            Key = BottleNaming.Key(formula.Name, formula.Version, tag),
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
        };
    }

    /// <summary>Plans the formula version's image index when a bottle is new or the store lacks it.</summary>
    private void PlanIndex(Formula formula, SortedDictionary<string, (BottleFile File, List<string> Serves)> resolved, bool anyNew)
    {
        var owner = $"{formula.Name} {formula.Version}";
        var reference = BottleNaming.IndexReference(formula.Version, formula.Rebuild);
        var indexKey = BottleNaming.IndexKey(formula.Name, reference);
        if (_claims.TryClaimIndex(indexKey, owner) is { } first)
        {
            // Another name with the same image ('+' and 'x' both become 'x'): its index was planned first.
            Warn($"{owner}: its image index {indexKey} is also {first}'s, listed earlier in the catalog; that one is kept");
            return;
        }
        if ((anyNew || _storedIndexes is null || !_storedIndexes.Contains(indexKey)) && BottleNaming.ImageUrlOf(resolved.Values.First().File.Url) is { } image)
        {
            _indexes.Add(new PlannedImageIndex
            {
                Key = indexKey,
                ImageUrl = image,
                Reference = reference,
                Digests = resolved.Values.Select(r => r.File.Sha256).Distinct(StringComparer.Ordinal).ToArray(),
            });
        }
    }

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private void Warn(string warning)
    {
        if (_warnings.Count < MaxWarnings)
        {
            _warnings.Add(warning);
        }
    }
}
