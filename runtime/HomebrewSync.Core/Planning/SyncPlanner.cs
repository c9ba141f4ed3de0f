using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Manifest;
using HomebrewSync.Core.Platforms;

namespace HomebrewSync.Core.Planning;

/// <summary>Turns the catalog and the hash file into the list of bottles this run must fetch.</summary>
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
        PlanAsync(catalog, Task.FromResult(manifest), request, time, cancellationToken);

    /// <param name="manifest">The hash file, still being read while the catalog starts to stream; awaited at the first formula.</param>
    public static async Task<PlanOutcome> PlanAsync(
        IAsyncEnumerable<Formula> catalog,
        Task<HashManifest?> manifestTask,
        PlanRequest request,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifestTask);
        HashManifest? manifest = null;
        var manifestRead = false;
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(time);
        var targets = request.Platforms.Select(PlatformTag.Parse).ToArray();
        var wanted = request.Formulae is { } names ? new HashSet<string>(names, StringComparer.Ordinal) : null;
        var found = new HashSet<string>(StringComparer.Ordinal);
        var tagsInCatalog = new HashSet<string>(StringComparer.Ordinal);
        var bottles = new List<PlannedBottle>();
        var warnings = new List<string>();
        int read = 0, skipped = 0, disabled = 0;

        await foreach (var formula in catalog.WithCancellation(cancellationToken))
        {
            if (!manifestRead)
            {
                manifest = await manifestTask;
                manifestRead = true;
            }
            read++;
            tagsInCatalog.UnionWith(formula.Files.Keys);
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
                var key = BottleNaming.Key(formula.Name, formula.Version, target.Name);
                if (!request.Force && manifest is not null && manifest.TryGet(key, out var existing) && existing.Sha256 == file.Sha256)
                {
                    skipped++;
                    continue;
                }
                bottles.Add(new PlannedBottle
                {
                    Key = key,
                    FormulaName = formula.Name,
                    FormulaVersion = formula.Version,
                    Platform = target.Name,
                    SourceTag = file.Tag,
                    Rebuild = formula.Rebuild,
                    Sha256 = file.Sha256,
                    Url = file.Url.AbsoluteUri,
                    ObjectKey = BottleNaming.ObjectKey(request.SyncDate, BottleNaming.FileName(formula.Name, formula.Version, target.Name, formula.Rebuild)),
                });
            }
        }

        if (!manifestRead)
        {
            await manifestTask;
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

        var plan = new SyncPlan
        {
            SyncDate = request.SyncDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            CreatedAt = time.GetUtcNow(),
            ApiUrl = request.ApiUrl.AbsoluteUri,
            Platforms = request.Platforms,
            Force = request.Force,
            Trigger = request.Labels.Trigger,
            RequestedBy = request.Labels.RequestedBy,
            Priority = request.Labels.Priority,
            NotificationChannel = request.Labels.NotificationChannel,
            Skipped = skipped,
            Bottles = bottles,
        };
        return new PlanOutcome(plan, read, disabled, warnings);
    }

    private static void Warn(List<string> warnings, string warning)
    {
        if (warnings.Count < MaxWarnings)
        {
            warnings.Add(warning);
        }
    }
}
