using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Metrics;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// The end of a run, the same on every host: earlier-layout names retired, the image indexes brew needs kept,
/// the API files published whose bottles are all in, brew.git, then the run's status, the final message and its metrics.
/// </summary>
internal sealed class RunFinisher(SyncContext context)
{
    /// <param name="indexes">Image indexes sizing already fetched, by key.</param>
    /// <param name="apiBytes">The verified API files fetched with the catalog, by path.</param>
    /// <param name="keptAlready">Image indexes the run kept while it transferred (<see cref="IndexesAsBottlesLand"/>), by key.</param>
    public async Task<SyncOutcome> FinishAsync(SyncOutcome outcome, RunDisplay display, IReadOnlyDictionary<string, byte[]> indexes,
        IReadOnlyDictionary<string, byte[]> apiBytes, CancellationToken cancellationToken, IReadOnlySet<string>? keptAlready = null)
    {
        var (settings, time) = (context.Settings, context.Time);
        var retire = outcome.Plan.Retire.Concat(outcome.Stored.SelectMany(b => b.Replaces)).Distinct(StringComparer.Ordinal).ToArray();
        var mirror = retire.Length > 0 ? await RetireAsync(retire, display.Observer, cancellationToken) ?? outcome.HashFile : outcome.HashFile;
        var keeper = new ImageIndexKeeper(context.Ports.Documents, context.Ports.Registry, ResiliencePipelines.Create(settings, time, display.Observer.Retrying), settings.MaxConcurrentDownloads);
        // An index is kept for versions the mirror holds a bottle of; one whose every bottle failed would only send brew on to a 404.
        var missing = outcome.Failed.Select(f => f.Bottle.Sha256).ToHashSet(StringComparer.Ordinal);
        var wanted = outcome.Plan.ImageIndexes.Where(m => m.Digests.Any(d => !missing.Contains(d)) && keptAlready?.Contains(m.Key) != true).ToArray();
        var (kept, notKept) = await keeper.KeepAsync(wanted, indexes, display.Observer, cancellationToken);
        kept += keptAlready?.Count ?? 0;
        outcome = outcome with { IndexesNotKept = notKept.Select(n => $"{n.Index.Key}: {n.Reason}").ToArray() };
        if (kept > 0)
        {
            display.Observer.Info($"Image indexes kept for brew: {kept:N0} written under {Catalog.BottleNaming.IndexPrefix}");
        }
        // The hash file as it now is: what the API files are checked against and the messages count.
        mirror ??= (await context.Ports.HashFile.ReadHashFileAsync(cancellationToken))?.HashFile;
        if (context.Api is { } api && outcome.Plan.ApiFiles.Count > 0)
        {
            // A bottle whose image index is missing is not installable from the mirror either: it holds its tags' API files back like a failed one.
            var noIndex = notKept.SelectMany(n => n.Index.Digests).ToHashSet(StringComparer.Ordinal);
            var unfinished = outcome.Failed.Select(f => f.Bottle).Concat(outcome.Stored.Where(b => noIndex.Contains(b.Sha256))).ToArray();
            var published = await api.PublishAsync(outcome.Plan.ApiFiles, apiBytes, unfinished, outcome.Plan.Platforms, mirror, cancellationToken);
            foreach (var a in published)
            {
                display.Observer.Info($"{(a.IsProblem ? "warning: " : "")}API file {a.Path}: {a.Status.ToString().ToLowerInvariant()} ({a.Detail})");
            }
            outcome = outcome with { Api = published };
        }
        outcome = await PortableRubyKeptAsync(outcome, display.Observer, published: false, cancellationToken);
        outcome = await BrewGitAsync(outcome, mirror, display.Observer, cancellationToken);
        outcome = await PortableRubyKeptAsync(outcome, display.Observer, published: true, cancellationToken);
        return await ReportAsync(outcome, mirror, display, cancellationToken);
    }

    /// <summary>
    /// Records the portable Ruby versions prune keeps: this run's, and, where brew's repository is mirrored, the one the brew
    /// published names. Before brew.git is published the record keeps the versions recorded before too (a run cut off between
    /// the publish and this record must not have dropped the published brew's Ruby); after, it narrows to the one the brew just
    /// published names, and when it published none (refs held back, git failed, a host without git) the brew clients still
    /// get is the earlier one, so the earlier versions stay. With no record before and brew mirrored, none is written: prune
    /// then keeps every portable Ruby.
    /// </summary>
    private async Task<SyncOutcome> PortableRubyKeptAsync(SyncOutcome outcome, ISyncObserver observer, bool published, CancellationToken cancellationToken)
    {
        var versions = new SortedSet<string>(outcome.Plan.PortableRuby, StringComparer.Ordinal);
        if (context.Settings.BrewGitRemote is not null)
        {
            IReadOnlyCollection<string>? named = null;
            if (published && outcome.BrewGit is { RefsPublished: true } && context.BrewGit is { } git)
            {
                try
                {
                    named = await git.NamedPortableRubyAsync(cancellationToken);
                }
                catch (BrewGit.GitCommandException)
                {
                    // Not known after all: kept as if nothing was published.
                }
            }
            if (named is not null)
            {
                versions.UnionWith(named);
            }
            else if (await PortableRuby.PortableRubyNamed.ReadAsync(context.Ports.Documents, cancellationToken) is { } before)
            {
                if (published)
                {
                    // Written before the publish already, with these.
                    return outcome;
                }
                versions.UnionWith(before);
            }
            else
            {
                return outcome;
            }
        }
        else if (published)
        {
            return outcome;
        }
        return versions.Count == 0
            ? outcome
            : await StatusAsync(outcome, PortableRuby.PortableRubyNamed.Key, observer,
                () => PortableRuby.PortableRubyNamed.WriteAsync(context.Ports.Documents, versions.ToArray(), cancellationToken));
    }

    /// <summary>
    /// Writes a status document; one the store refuses (a link or a folder in its place) is left as it is and is a warning of the run
    /// (exit 3), never its end: the bottles are recorded by now, and the API files and brew.git still get published.
    /// </summary>
    private static async Task<SyncOutcome> StatusAsync(SyncOutcome outcome, string key, ISyncObserver observer, Func<Task> write)
    {
        try
        {
            await write();
            return outcome;
        }
        catch (Exception ex) when (ex is UnsafeStoreKeyException or IOException)
        {
            observer.Info($"warning: {key} not written: {ex.Message}");
            return outcome with { StatusNotWritten = [.. outcome.StatusNotWritten, $"{key}: {ex.Message}"] };
        }
    }

    /// <summary>brew's repository last, once bottles, portable Ruby and API files are in: its refs name only what the mirror serves.</summary>
    private async Task<SyncOutcome> BrewGitAsync(SyncOutcome outcome, HashFile? mirror, ISyncObserver observer, CancellationToken cancellationToken)
    {
        if (context.Settings.BrewGitRemote is not { } remote)
        {
            return outcome;
        }
        if (context.BrewGit is not { } git)
        {
            observer.Info($"warning: brew's git repository ({Contracts.UrlDisplay.Redact(remote)}) was not refreshed: this host has no git (the Lambda worker has none; the CLI and the ECS task refresh it)");
            return outcome;
        }
        BrewGit.BrewGitResult result;
        try
        {
            result = await git.PublishAsync(mirror, outcome.Api.Where(a => a.IsProblem).Select(a => a.Path).ToArray(), cancellationToken);
        }
        catch (Exception ex) when (ex is BrewGit.GitCommandException or IOException or UnsafeStoreKeyException)
        {
            // The bottles are stored by now: brew.git not brought up to date is a warning of this run, never its end.
            result = new BrewGit.BrewGitResult(0, false, ex.Message);
        }
        observer.Info($"{(result.Problem is null ? "" : "warning: ")}brew.git ({git.Remote}): {result.PacksUploaded:N0} pack files uploaded, "
            + (result.RefsPublished ? "refs published" : $"refs not published: {result.Problem}"));
        return outcome with { BrewGit = result };
    }

    /// <summary>The run status, the final message (with the mirror's counts by target tag, what stats shows) and the metrics.</summary>
    private async Task<SyncOutcome> ReportAsync(SyncOutcome outcome, HashFile? mirror, RunDisplay display, CancellationToken cancellationToken)
    {
        var (n, time, plan) = (context.NotificationSettings, context.Time, outcome.Plan);
        var byTarget = mirror is null ? null : MirrorCoverage.Of(mirror, context.Settings.TargetPlatforms);
        // Read before this run's status replaces it: what serve pulled since the last run finished.
        // A status the store cannot read (a link in its place) reads as absent.
        var previous = await RunStatus.ReadAsync(context.Ports.Documents, cancellationToken);
        var pulled = PulledSince(mirror, previous?.FinishedAt);
        // The run's status before the message, so that the message can say when the store refused it. The mirror's age runs
        // from the last run that caught it up, so that runs that fail most of what they try still let the stale alarm fire.
        var finishedAt = time.GetUtcNow();
        var status = new RunStatus(finishedAt, plan.SyncDate, outcome.HasFailures ? "completed with warnings" : "complete",
            outcome.Stored.Count, outcome.Failed.Count, plan.Skipped, n.SyncMethod,
            RunStatus.CaughtUp(outcome.Stored.Count, RunStatus.Counted(outcome.Failed)) ? finishedAt : previous?.LastCaughtUp);
        outcome = await StatusAsync(outcome, RunStatus.Key, display.Observer, () => RunStatus.WriteAsync(context.Ports.Documents, status, cancellationToken));
        await context.Notifications.For(null, plan).FinishedAsync(plan, outcome.Stored, outcome.Failed, outcome.BytesTransferred, outcome.Duration,
            context.Ports.Bottles.Location, outcome.Api.Where(a => a.IsProblem).ToArray(), byTarget, outcome.IndexesNotKept, cancellationToken, pulled,
            mirror is null ? null : PortableRuby.PortableRubyImage.Describe(mirror, Formatting.Humanize.Bytes), outcome.BrewGit?.Problem, outcome.StatusNotWritten);
        if (n.EmitMetrics)
        {
            await display.MetricsLog.WriteLineAsync(EmfMetrics.ForRun(n.Environment, plan.SyncDate, n.SyncMethod.ToLowerInvariant(), outcome.Stored.Count,
                outcome.Failed.Count, plan.Skipped, outcome.Duration, outcome.BytesTransferred, time.GetUtcNow()));
            await display.MetricsLog.FlushAsync(cancellationToken);
        }
        display.Observer.Info($"Sync {plan.SyncDate} {(outcome.HasFailures ? "completed with warnings" : "complete")}: {outcome.Stored.Count:N0} stored, "
            + $"{plan.Skipped:N0} skipped, {outcome.Failed.Count:N0} failed, {outcome.BytesTransferred:N0} bytes downloaded"
            + (pulled > 0 ? $"; {pulled:N0} pulled by serve --pull-through since the last run" : ""));
        return outcome;
    }

    /// <summary>Hash-file entries serve pulled after <paramref name="since"/> (all it pulled when no run finished before); the entry's <c>pulled_at</c> says when.</summary>
    internal static int PulledSince(HashFile? mirror, DateTimeOffset? since) =>
        mirror?.Bottles.Values.Count(e => e.PulledAt is { } at && (since is null || at > since)) ?? 0;

    /// <summary>
    /// Takes an earlier layout's entries out of the hash file, then deletes their objects that no entry names any
    /// more: hash file first, so a crash in between leaves unlisted objects (verify reports them), never listed
    /// ones that are missing. Only an entry whose bytes another entry still lists is retired: retiring renames, and a
    /// plan whose retire list names a bottle's only entry (edited by hand, or written by something else) would lose it.
    /// </summary>
    /// <returns>The hash file after the retirement; null when there is none.</returns>
    private async Task<HashFile?> RetireAsync(IReadOnlyList<string> keys, ISyncObserver observer, CancellationToken cancellationToken)
    {
        var snapshot = await context.Ports.HashFile.ReadHashFileAsync(cancellationToken);
        if (snapshot is null)
        {
            return null;
        }
        var named = keys.ToHashSet(StringComparer.Ordinal);
        var heldElsewhere = snapshot.HashFile.Bottles.Where(e => !named.Contains(e.Key)).Select(e => e.Value.Sha256).ToHashSet(StringComparer.Ordinal);
        var retired = new List<string>();
        foreach (var key in keys)
        {
            if (!snapshot.HashFile.TryGet(key, out var entry) || heldElsewhere.Contains(entry.Sha256))
            {
                retired.Add(key);
            }
            else
            {
                observer.Info($"warning: kept {key}: the plan retires it, but no other entry lists its bytes ({entry.Sha256[..12]}), so retiring it would lose the bottle");
            }
        }
        var objects = retired.Select(k => snapshot.HashFile.TryGet(k, out var e) ? e.S3Key : null).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var checkpointer = new HashFileCheckpointer(context.Ports.HashFile, snapshot, context.Settings.BatchSize, context.Time, observer);
        checkpointer.Remove(retired);
        await checkpointer.FlushAsync(cancellationToken);
        var listed = checkpointer.HashFile.Bottles.Values.Select(e => e.S3Key).ToHashSet(StringComparer.Ordinal);
        var doomed = objects.Where(o => !listed.Contains(o)).ToArray();
        var confirmations = new LeaseConfirmations(cancellationToken);
        if (doomed.Length > 0)
        {
            // Asked of the store, not the clock, and the hash file read again as it is now: another sync running beside this one
            // may have listed one of them since this one's write.
            await confirmations.NowAsync($"deleting {doomed[0]}");
            var listedNow = (await context.Ports.HashFile.ReadHashFileAsync(cancellationToken))?.HashFile.Bottles.Values.Select(e => e.S3Key).ToHashSet(StringComparer.Ordinal) ?? [];
            doomed = doomed.Where(o => !listedNow.Contains(o)).ToArray();
        }
        var deleted = 0;
        foreach (var key in doomed)
        {
            await confirmations.EveryFewAsync($"deleting {key}");
            LeaseScope.EnsureHeld($"deleting {key}");
            try
            {
                await context.Ports.Bottles.DeleteAsync(key, cancellationToken);
                deleted++;
            }
            catch (UnsafeStoreKeyException ex)
            {
                // A link on its path (an archived date folder moved elsewhere) is left as it is, as prune leaves it; the object is unlisted now.
                observer.Info($"warning: kept {key}: {ex.Message}");
            }
        }
        observer.Info($"Renamed to brew's names: {retired.Count:N0} entries of the earlier layout retired, {deleted:N0} objects removed");
        return checkpointer.HashFile;
    }
}
