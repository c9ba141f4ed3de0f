using System.Collections.Concurrent;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.PortableRuby;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Planning (the CLI's <c>plan</c>, and the first step of <see cref="SyncRun"/> and <see cref="SyncOrchestrator"/>): a draft
/// of what to fetch (the catalog against the hash file), then its sizes from the image indexes and the API files.
/// </summary>
public sealed class Planner(SyncContext context)
{
    private readonly SyncContext _context = context ?? throw new ArgumentNullException(nameof(context));

    /// <summary>Reads the hash file and the catalog and works out what to fetch, with sizes; writes nothing (but a requested hash-file rebuild).</summary>
    /// <exception cref="PlanInputException">An unknown platform tag or formula.</exception>
    public async Task<PlannedRun> PlanAsync(PlanRequest request, ISyncObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        if (!request.RebuildHash)
        {
            // Planning only reads: it needs no lease.
            var draft = await DraftAsync(request, observer, cancellationToken);
            return await CompleteAsync(draft, request, observer, null, cancellationToken);
        }
        return await _context.Leases.UnderLeaseAsync(LeaseMode.Exclusive, "hash-file rebuild", observer, async ct =>
        {
            var draft = await DraftAsync(request, observer, ct);
            return await CompleteAsync(draft, request, observer, null, ct);
        }, cancellationToken);
    }

    /// <summary>What to fetch, before sizes are known: the catalog against the hash file.</summary>
    internal async Task<PlanDraft> DraftAsync(PlanRequest request, ISyncObserver observer, CancellationToken cancellationToken)
    {
        var ports = _context.Ports;
        await ports.Bottles.PrepareAsync(cancellationToken);
        if (request.RebuildHash)
        {
            var rebuilt = await HashFileRebuilder.RebuildAsync(ports.Bottles, ports.HashFile, _context.Time, _context.Settings.MaxConcurrentDownloads, cancellationToken);
            observer.Info($"Hash file rebuilt from object metadata: {rebuilt.Entries:N0} bottles"
                + (rebuilt.ObjectsWithoutMetadata > 0 ? $", {rebuilt.ObjectsWithoutMetadata:N0} objects without usable metadata left out" : "")
                + (rebuilt.BackupOf is null ? "" : $"; the previous file is kept as {rebuilt.BackupOf}"));
        }
        // The hash file is read and parsed while the catalog downloads and parses (SyncPlanner holds the formulae read before it).
        var snapshotTask = Task.Run(() => ports.HashFile.ReadHashFileAsync(cancellationToken), cancellationToken);
        var indexesTask = Task.Run(() => StoredIndexesAsync(cancellationToken), cancellationToken);
        PlanOutcome outcome;
        var rejected = new RejectedEntries(observer);
        try
        {
            outcome = await SyncPlanner.PlanAsync(ports.Catalog.ReadAsync(rejected.Add, cancellationToken), HashFileOf(snapshotTask), indexesTask, request, _context.Time,
                cancellationToken, PortableRubyStep(observer));
        }
        catch
        {
            // A failed catalog must not leave the store reads running, or their own failures, unobserved.
            await Task.WhenAll(Task.WhenAny(snapshotTask), Task.WhenAny(indexesTask));
            _ = snapshotTask.Exception;
            _ = indexesTask.Exception;
            throw;
        }
        rejected.Summarize();
        return new PlanDraft(outcome, await snapshotTask);
    }

    /// <summary>Sizes the draft (one image index per formula version, requests at <see cref="Contracts.SyncSettings.SizingConcurrency"/>) and fetches the API files.</summary>
    /// <param name="onSized">Told each planned blob's size as soon as it is known (sha256, bytes).</param>
    /// <param name="indexes">Where the image indexes sizing fetches go as they arrive (a run that keeps them while it transfers reads them there); null for a new one.</param>
    internal async Task<PlannedRun> CompleteAsync(PlanDraft draft, PlanRequest request, ISyncObserver observer, Action<string, long>? onSized, CancellationToken cancellationToken,
        ConcurrentDictionary<string, byte[]>? indexes = null)
    {
        var (outcome, snapshot) = draft;
        var settings = _context.Settings;
        var warnings = outcome.Warnings.ToList();
        var sizer = new BottleSizer(_context.Ports.Registry, ResiliencePipelines.Create(settings, _context.Time, observer.Retrying), settings.SizingConcurrency,
            (settings.MaxBottleBytes, $"{Contracts.EnvVars.MaxBottleSizeGb} allows"));
        indexes ??= new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        var sized = await sizer.SizeAsync(outcome.Plan, warnings, indexes, cancellationToken, onSized);
        foreach (var w in warnings)
        {
            observer.Info("warning: " + w);
        }
        var apiBytes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (_context.Api is { } api && request.Formulae is null)
        {
            // Fetched with the catalog, so the file a client reads describes what this run mirrors.
            var files = await api.FetchAsync(request.Platforms, cancellationToken);
            foreach (var (file, bytes) in files)
            {
                if (bytes is not null)
                {
                    apiBytes[file.Path] = bytes;
                }
            }
            sized = sized with { ApiFiles = files.Select(f => f.File).ToArray() };
        }
        else if (_context.Api is not null)
        {
            observer.Info("API files are not mirrored by a selective sync (--formula): they would name formulae whose bottles the mirror lacks");
        }
        return new PlannedRun(outcome with { Plan = sized, Warnings = warnings }, snapshot, indexes, apiBytes);
    }

    /// <summary>Portable Ruby's versions on the catalog's registry (and the one the mirrored brew names), unless turned off.</summary>
    private Func<Uri, CancellationToken, Task<PortableRubyResolution>>? PortableRubyStep(ISyncObserver observer)
    {
        if (!_context.Settings.MirrorPortableRuby)
        {
            return null;
        }
        var resolver = new PortableRubyResolver(_context.Ports.Registry, ResiliencePipelines.Create(_context.Settings, _context.Time, observer.Retrying));
        return async (image, ct) => await resolver.ResolveAsync(image, await _context.NamedPortableRubyAsync(observer, ct), ct);
    }

    /// <summary>The image indexes the store keeps, so only the missing ones are planned.</summary>
    private async Task<IReadOnlySet<string>?> StoredIndexesAsync(CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var o in _context.Ports.Documents.ListDocumentsAsync(Catalog.BottleNaming.IndexPrefix, cancellationToken))
        {
            keys.Add(o.Key);
        }
        return keys;
    }

    private static async Task<HashFile?> HashFileOf(Task<HashFileSnapshot?> snapshot) => (await snapshot)?.HashFile;
}
