using System.Collections.Concurrent;
using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Serving;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// What one pull does under the store's lease, with the sync's own pieces: a one-formula plan sized from the image
/// index (<see cref="BottleSizer"/>), the <see cref="TransferEngine"/> (every byte hashed, committed only on a sha256
/// match, a body cut off at its announced size), the hash file written by <see cref="HashFileCheckpointer"/> (the entry
/// stamped with when it was pulled), and the version's image index kept by <see cref="ImageIndexKeeper"/>.
/// </summary>
internal sealed class PullTransfer(SyncContext context, ISyncObserver observer)
{
    private static readonly IReadOnlyDictionary<string, byte[]> NothingFetched = new Dictionary<string, byte[]>();

    /// <summary>Stores <paramref name="bottles"/> (one blob, one formula version) unless the hash file already lists them.</summary>
    public async Task<PullOutcome> BottleAsync(PullCatalog.Version version, IReadOnlyList<PullCatalog.Bottle> bottles, CancellationToken cancellationToken)
    {
        var snapshot = await context.Ports.HashFile.ReadHashFileAsync(cancellationToken);
        // A key the hash file lists for another formula (a catalog read earlier gave it to another name) is that bottle's.
        if (bottles.Select(b => OtherOwner(snapshot?.HashFile, b)).FirstOrDefault(o => o is not null) is { } other)
        {
            return PullOutcome.Failed(other);
        }
        var missing = bottles.Where(b => Listed(snapshot?.HashFile, b) is null).ToArray();
        if (missing.Length == 0)
        {
            var entry = Listed(snapshot?.HashFile, bottles[0])!;
            return new PullOutcome(PullStatus.Stored, entry.S3Key, entry.Sha256, Size: entry.FileSize);
        }
        var indexes = new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        var plan = await SizedPlanAsync(version, missing, indexes, cancellationToken);
        if (plan.Bottles[0].Size is { } size && size > context.Settings.MaxBottleBytes)
        {
            return PullOutcome.Failed($"{plan.Bottles[0].Key}: its image index announces {size:N0} bytes, more than {EnvVars.MaxBottleSizeGb} allows ({context.Settings.MaxBottleBytes:N0})");
        }
        var pulledAt = context.Time.GetUtcNow();
        var checkpointer = new HashFileCheckpointer(context.Ports.HashFile, snapshot, 1, context.Time, observer) { Stamp = e => e with { PulledAt = pulledAt } };
        var result = await context.Engine.RunAsync(plan, checkpointer, context.NewProgress(plan), observer, null, cancellationToken);
        // One blob's keys: any of them stored answers the request (the same bytes), though another failed alone (kept).
        if (result.Stored.Count == 0)
        {
            return result.Failed.Count > 0 ? Refused(result.Failed[0]) : PullOutcome.Failed($"{plan.Bottles[0].Key}: nothing was stored");
        }
        // Served as the hash file lists it: these bytes, under the key it names for them (another writer may have listed them
        // in a later folder meanwhile); a bottle passed over for other, newer bytes is not served.
        if (result.Stored.Select(b => checkpointer.HashFile.TryGet(b.Key, out var e) && e.Sha256 == b.Sha256 ? (b, e) : default).FirstOrDefault(x => x.e is not null) is not ({ } bottle, { } listed))
        {
            return PullOutcome.Failed($"{result.Stored[0].Key}: another writer listed a newer bottle for it meanwhile");
        }
        // The index lists what the mirror now holds of this version; one that cannot be kept is a warning, as in a sync.
        var held = version.Bottles.Where(b => Listed(checkpointer.HashFile, b) is not null).Select(b => b.File.Sha256).Distinct(StringComparer.Ordinal).ToArray();
        if (version.OwnsIndex && IndexOf(version, held) is { } index)
        {
            await Keeper().KeepAsync([index], indexes, observer, cancellationToken);
        }
        return new PullOutcome(PullStatus.Pulled, listed.S3Key, bottle.Sha256, Size: listed.FileSize);
    }

    /// <summary>Keeps the version's image index, listing every bottle the target tags resolve to, unless one that does is kept already.</summary>
    public async Task<PullOutcome> ImageIndexAsync(PullCatalog.Version version, CancellationToken cancellationToken)
    {
        if (IndexOf(version, AllDigests(version)) is not { } index)
        {
            return PullOutcome.Failed($"{version.Formula.Name} {version.Formula.Version}: its bottles' URLs name no registry image");
        }
        var (written, notKept) = await Keeper().KeepAsync([index], NothingFetched, observer, cancellationToken);
        return notKept.Count > 0
            ? PullOutcome.Failed($"{index.Key}: the image index could not be kept (the server's log says why)", $"{index.Key}: {notKept[0].Reason}")
            : new PullOutcome(written > 0 ? PullStatus.Pulled : PullStatus.Stored, index.Key);
    }

    /// <summary>The version's image index key when the store keeps one listing every bottle the target tags resolve to; read without a lease.</summary>
    public async Task<string?> KeptIndexAsync(PullCatalog.Version version, CancellationToken cancellationToken)
    {
        var key = BottleNaming.IndexKey(version.Formula.Name, version.Reference);
        return await context.Ports.Documents.GetDocumentAsync(key, cancellationToken) is { } kept && ImageIndexKeeper.ListsAll(kept.Content, AllDigests(version)) ? key : null;
    }

    private ImageIndexKeeper Keeper() =>
        new(context.Ports.Documents, context.Ports.Registry, ResiliencePipelines.Create(context.Settings, context.Time, observer.Retrying), 1);

    /// <summary>The plan a sync of this formula would make for these bottles, sized from the version's image index (kept in <paramref name="indexes"/>).</summary>
    private async Task<SyncPlan> SizedPlanAsync(PullCatalog.Version version, IReadOnlyList<PullCatalog.Bottle> bottles, ConcurrentDictionary<string, byte[]> indexes,
        CancellationToken cancellationToken)
    {
        var (formula, date) = (version.Formula, context.SyncDate);
        var plan = new SyncPlan
        {
            SyncDate = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            CreatedAt = context.Time.GetUtcNow(),
            ApiUrl = UrlDisplay.Redact(context.Settings.ApiUrl),
            Platforms = context.Settings.TargetPlatforms,
            Trigger = "Pull-through",
            Bottles = bottles.Select(b => new PlannedBottle
            {
                Key = BottleNaming.Key(formula.Name, formula.Version, b.Tag),
                FormulaName = formula.Name,
                FormulaVersion = formula.Version,
                Platform = b.Tag,
                Serves = b.Serves,
                Rebuild = formula.Rebuild,
                Sha256 = b.File.Sha256,
                Url = UrlDisplay.Strip(b.File.Url).AbsoluteUri,
                ObjectKey = BottleNaming.ObjectKey(date, BottleNaming.FileName(formula.Name, formula.Version, b.Tag, formula.Rebuild)),
            }).ToArray(),
        };
        var warnings = new List<string>();
        // Sizes up to what any bottle may be are taken, so that one announced past MAX_BOTTLE_SIZE_GB is refused at once below.
        var sizer = new BottleSizer(context.Ports.Registry, ResiliencePipelines.Create(context.Settings, context.Time, observer.Retrying), 1,
            (Storage.StoreKeys.MaxBottleBytes, "a bottle may be"));
        plan = await sizer.SizeAsync(plan, warnings, indexes, cancellationToken);
        warnings.ForEach(w => observer.Info("warning: pull-through: " + w));
        return plan;
    }

    private static PlannedImageIndex? IndexOf(PullCatalog.Version version, IReadOnlyList<string> digests) =>
        digests.Count > 0 && BottleNaming.ImageUrlOf(version.Bottles[0].File.Url) is { } image
            ? new PlannedImageIndex
            {
                Key = BottleNaming.IndexKey(version.Formula.Name, version.Reference),
                ImageUrl = image,
                Reference = version.Reference,
                Digests = digests,
            }
            : null;

    private static string[] AllDigests(PullCatalog.Version version) => version.Bottles.Select(b => b.File.Sha256).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// What the client is told of a failed transfer: wrong bytes, too large and a listed bottle kept as they are; the rest (upstream's
    /// error status or absence, the server's store, connections, time and token) by kind only, as their text can name paths,
    /// proxies or hosts inside the network (an HTTP error names the host that answered, after redirects). The server's log has it all.
    /// </summary>
    private static PullOutcome Refused(BottleFailure failed)
    {
        var reason = $"{failed.Bottle.Key}: {failed.Reason}";
        var told = failed.Kind switch
        {
            FailureKind.NotFound => "upstream does not have it",
            FailureKind.HttpError => "upstream answered with an error",
            FailureKind.Storage => "the store could not take it",
            FailureKind.Network => "the connection to upstream failed",
            FailureKind.Timeout => "upstream did not answer in time",
            FailureKind.Budget => "it did not finish in the time a pull has",
            FailureKind.Unauthorized => "upstream refused this mirror's credentials",
            _ => null,
        };
        return told is null ? PullOutcome.Failed(reason) : PullOutcome.Failed($"{failed.Bottle.Key}: {told} (the server's log says why)", reason);
    }

    /// <summary>Why not, when the hash file lists this bottle's key for another formula; else null.</summary>
    private static string? OtherOwner(HashFile? hashFile, PullCatalog.Bottle b)
    {
        var key = BottleNaming.Key(b.Formula.Name, b.Formula.Version, b.Tag);
        return hashFile is not null && hashFile.TryGet(key, out var e) && (e.FormulaName != b.Formula.Name || e.FormulaVersion != b.Formula.Version)
            ? $"{key}: the hash file lists it for {e.FormulaName} {e.FormulaVersion}, not {b.Formula.Name} {b.Formula.Version}; that bottle is kept"
            : null;
    }

    /// <summary>The hash file's entry for this bottle when it lists these very bytes.</summary>
    private static HashEntry? Listed(HashFile? hashFile, PullCatalog.Bottle b) =>
        hashFile is not null && hashFile.TryGet(BottleNaming.Key(b.Formula.Name, b.Formula.Version, b.Tag), out var e) && e.Sha256 == b.File.Sha256 ? e : null;
}
