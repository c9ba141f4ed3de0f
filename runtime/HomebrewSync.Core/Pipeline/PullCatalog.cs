using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Platforms;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// The catalog as pull-through looks things up in it: only the bottles the mirror's target tags resolve to (as a sync
/// plans them: the first entry of a name, disabled formulae only when included), by brew's file name, by image and
/// digest, and each formula version by image and reference. Read again once <c>refresh</c> has passed; a read that
/// fails keeps the last good catalog, and with none, pulls fail until a read succeeds (tried again after a short pause).
/// </summary>
/// <param name="stopping">Ends a read under way (serve is stopping). A read is shared by every request waiting on it and
/// belongs to none: a client that hangs up stops its own wait, not the read (which the source's own time limit bounds).</param>
internal sealed class PullCatalog(IFormulaSource source, IReadOnlyList<string> targets, bool includeDisabled, TimeProvider time, TimeSpan refresh, Action<string> warn,
    CancellationToken stopping)
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);
    private readonly PlatformTag[] _targets = targets.Select(PlatformTag.Parse).ToArray();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot? _current;
    private (Exception Error, DateTimeOffset At)? _failure;
    private Task<Snapshot>? _reading;

    /// <summary>One bottle a target tag resolves to, and the target tags it serves.</summary>
    public sealed record Bottle(Formula Formula, string Tag, BottleFile File, IReadOnlyList<string> Serves);

    /// <summary>A formula version and the bottles the target tags resolve to (those whose key and file name it claimed).</summary>
    /// <param name="OwnsIndex">Whether its image index key is its own: false when an earlier entry's image is the same ('+' and 'x').</param>
    public sealed record Version(Formula Formula, IReadOnlyList<Bottle> Bottles, bool OwnsIndex = true)
    {
        public string Reference => BottleNaming.IndexReference(Formula.Version, Formula.Rebuild);
    }

    public sealed record Snapshot(
        IReadOnlyDictionary<string, (Version Version, Bottle Bottle)> ByFileName,
        IReadOnlyDictionary<(string Image, string Sha256), Version> ByDigest,
        IReadOnlyDictionary<(string Image, string Reference), Version> ByReference,
        DateTimeOffset LoadedAt);

    /// <exception cref="CatalogUnavailableException">No catalog could be read yet.</exception>
    /// <exception cref="CatalogFormatException">The only catalog read so far is malformed.</exception>
    public async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && time.GetUtcNow() - fresh.LoadedAt < refresh)
        {
            return fresh;
        }
        Task<Snapshot> reading;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_current is { } current && now - current.LoadedAt < refresh)
            {
                return current;
            }
            if (_failure is { } f && now - f.At < Min(refresh, RetryAfterFailure))
            {
                return _current ?? throw f.Error;
            }
            reading = _reading ??= ReadAsync();
        }
        finally
        {
            _gate.Release();
        }
        return await reading.WaitAsync(cancellationToken);
    }

    /// <summary>One read of the catalog, its outcome published under the gate (and the read then over) before it is returned.</summary>
    private async Task<Snapshot> ReadAsync()
    {
        // Started under the gate: the read itself runs once the caller has let go of it.
        await Task.Yield();
        try
        {
            var loaded = await LoadAsync(stopping);
            await PublishAsync(() => (_current, _failure) = (loaded, null));
            return loaded;
        }
        catch (Exception ex) when (ex is CatalogUnavailableException or CatalogFormatException)
        {
            Snapshot? old = null;
            await PublishAsync(() => (_failure, old) = ((ex, time.GetUtcNow()), _current));
            if (old is not null)
            {
                warn($"warning: pull-through keeps the catalog read at {old.LoadedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: {ex.Message}");
                return old;
            }
            throw;
        }
        catch (Exception)
        {
            // serve is stopping, or the read failed unexpectedly: it is over, and the next request reads again.
            await PublishAsync(() => { });
            throw;
        }
    }

    private async Task PublishAsync(Action update)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            update();
            _reading = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var byFile = new Dictionary<string, (Version, Bottle)>(StringComparer.Ordinal);
        var byDigest = new Dictionary<(string, string), Version>();
        var byReference = new Dictionary<(string, string), Version>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        // Keys, file names and index keys claimed as a sync's plan claims them: a later entry that would take one an earlier
        // took (foo 1-2 and foo-1 2 share a key; names that differ only in case share a file) is not pulled.
        var claims = new CatalogClaims();
        await foreach (var formula in source.ReadAsync(null, cancellationToken))
        {
            // The first entry of a name is the one a sync mirrors; a disabled formula only when syncs include them.
            if (!names.Add(formula.Name) || formula.Files.Count == 0 || (formula.Disabled && !includeDisabled))
            {
                continue;
            }
            var owner = $"{formula.Name} {formula.Version}";
            var bottles = new List<Bottle>();
            foreach (var (tag, (file, serves)) in PlanSteps.Resolve(formula, _targets, out _))
            {
                if (claims.TryClaimBottle(BottleNaming.Key(formula.Name, formula.Version, tag), BottleNaming.FileName(formula.Name, formula.Version, tag, formula.Rebuild), owner) is null)
                {
                    bottles.Add(new Bottle(formula, tag, file, serves));
                }
            }
            if (bottles.Count == 0)
            {
                continue;
            }
            var reference = BottleNaming.IndexReference(formula.Version, formula.Rebuild);
            var version = new Version(formula, bottles, claims.TryClaimIndex(BottleNaming.IndexKey(formula.Name, reference), owner) is null);
            var image = BottleNaming.ImageName(formula.Name);
            // An image two names share ('+' and 'x') is its first's: the one a sync keeps the index of.
            if (version.OwnsIndex)
            {
                byReference.TryAdd((image, version.Reference), version);
            }
            foreach (var b in version.Bottles)
            {
                byFile.TryAdd(BottleNaming.FileName(formula.Name, formula.Version, b.Tag, formula.Rebuild), (version, b));
                byDigest.TryAdd((image, b.File.Sha256), version);
            }
        }
        return new Snapshot(byFile, byDigest, byReference, time.GetUtcNow());
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
