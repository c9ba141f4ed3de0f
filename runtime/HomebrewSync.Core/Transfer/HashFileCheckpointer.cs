using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Transfer;

/// <summary>
/// Adds stored bottles to the hash file and writes it every <c>batchSize</c> entries and at the end, so a
/// killed run loses only what was in flight. Entries added while a write is under way join a later write: the writer goes
/// on writing while they make a batch, and no caller waits for another's write. Writes are conditional on the version read; when another
/// writer got there first, the file is read again and the entries of this write (not those written before,
/// which the other writer may have removed on purpose: a prune) are laid over it, except over a newer entry the other writer
/// listed for the same key (a later date's folder, or a higher rebuild). Nothing is written once the
/// run's lease on the store is lost (<see cref="LeaseScope"/>).
/// </summary>
internal sealed class HashFileCheckpointer
{
    private const int MaxConflictRetries = 20;
    private static readonly TimeSpan ConflictBackoff = TimeSpan.FromMilliseconds(20);
    private readonly IHashFileStore _store;
    private readonly int _batchSize;
    private readonly TimeProvider _time;
    private readonly ISyncObserver _observer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashEntry> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private HashFile _hashFile;
    // The file as the run read it: what another writer changed since is told from what the run found.
    private readonly HashFile _read;
    private string? _version;

    public HashFileCheckpointer(IHashFileStore store, HashFileSnapshot? initial, int batchSize, TimeProvider time, ISyncObserver observer)
    {
        _store = store;
        _batchSize = batchSize;
        _time = time;
        _observer = observer;
        _hashFile = initial?.HashFile.Clone() ?? new HashFile();
        _read = initial?.HashFile.Clone() ?? new HashFile();
        _version = initial?.Version;
    }

    /// <summary>The hash file as last written (or read).</summary>
    public HashFile HashFile => _hashFile;

    public int Writes { get; private set; }

    /// <summary>Applied to every entry added (pull-through records when it pulled a bottle); null for none.</summary>
    public Func<HashEntry, HashEntry>? Stamp { get; init; }

    /// <summary>Conditional writes refused because another writer got there first (each merged and retried).</summary>
    public int Conflicts { get; private set; }

    /// <summary>Records a stored bottle; it is written with the next batch (<see cref="WriteIfDueAsync"/>) or at the end.</summary>
    public void Add(string key, HashEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry = Stamp is { } stamp ? stamp(entry) : entry;
        lock (_gate)
        {
            _pending[key] = entry;
        }
    }

    /// <summary>
    /// Writes the hash file when a batch is due and no write is under way, and goes on writing while the entries added meanwhile
    /// make another batch. A caller that finds a write under way returns at once: that writer takes its entries.
    /// </summary>
    public async Task WriteIfDueAsync(CancellationToken cancellationToken)
    {
        while (IsDue() && await _writeGate.WaitAsync(0, cancellationToken))
        {
            try
            {
                await WriteAsync(cancellationToken);
            }
            finally
            {
                _writeGate.Release();
            }
        }
    }

    private bool IsDue()
    {
        lock (_gate)
        {
            return _pending.Count >= _batchSize;
        }
    }

    /// <summary>Takes entries out of the hash file at the next write (retired names); another writer's entries stay.</summary>
    public void Remove(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            foreach (var k in keys)
            {
                _removed.Add(k);
                _pending.Remove(k);
            }
        }
    }

    /// <summary>Writes what is pending, if anything, after the write under way.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await WriteAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Lays this write's entries and removals over <paramref name="next"/> (the file as this run last saw it, or as another
    /// writer left it): an entry over anything but a newer one another writer listed for its key since the run read the file (a
    /// later date's folder, or the same date and a higher rebuild: a sync, or a pull-through, that read a later catalog), and a
    /// removal only where the key still holds what the run read there. Returns this run's entries passed over for a newer one:
    /// laid over it, they would take a listed bottle out of the file (unlisted, its object is pruned a day later) for one
    /// upstream has since replaced. What the run read it replaces as planned, whatever its date (<c>--date</c> may be earlier).
    /// </summary>
    private List<(string Key, HashEntry Ours, HashEntry Theirs)> Lay(HashFile next, Dictionary<string, HashEntry> batch, string[] removals)
    {
        var passed = new List<(string, HashEntry, HashEntry)>();
        foreach (var (k, v) in batch)
        {
            if (next.TryGet(k, out var theirs) && !(_read.TryGet(k, out var read) && read == theirs) && IsNewer(theirs, v))
            {
                passed.Add((k, v, theirs));
                continue;
            }
            next.Set(k, v);
        }
        foreach (var k in removals)
        {
            if (next.TryGet(k, out var now) && _read.TryGet(k, out var read) && now == read)
            {
                next.Remove(k);
            }
        }
        return passed;
    }

    /// <summary>Whether <paramref name="entry"/> is of a later date's folder than <paramref name="than"/>, or of its date and a higher rebuild.</summary>
    private static bool IsNewer(HashEntry entry, HashEntry than) =>
        entry.DownloadDate != than.DownloadDate
            ? entry.DownloadDate > than.DownloadDate
            : BottleNaming.RebuildOf(entry.S3Key) > BottleNaming.RebuildOf(than.S3Key);

    /// <summary>Writes what is pending, if anything; the caller holds the write gate.</summary>
    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, HashEntry> batch;
        string[] removals;
        string[] asked;
        lock (_gate)
        {
            asked = [.. _removed];
            removals = _removed.Where(_hashFile.Bottles.ContainsKey).ToArray();
            if (_pending.Count == 0 && removals.Length == 0)
            {
                return;
            }
            batch = new Dictionary<string, HashEntry>(_pending, StringComparer.Ordinal);
        }
        var next = _hashFile.Clone();
        var passed = Lay(next, batch, removals);
        for (var attempt = 0; ; attempt++)
        {
            next.LastUpdated = _time.GetUtcNow();
            // A run that lost its lease (a machine that slept while a prune ran) writes nothing more, not even what it stored.
            LeaseScope.EnsureHeld("writing the hash file");
            try
            {
                _version = await _store.WriteHashFileAsync(next, _version, cancellationToken);
                break;
            }
            catch (HashFileConflictException) when (attempt < MaxConflictRetries)
            {
                Conflicts++;
                _observer.HashFileConflict(_store.HashFileLocation, attempt + 1);
                // Two writers that retry in lockstep keep colliding: back off a random, growing while.
                var wait = ConflictBackoff * Math.Pow(2, Math.Min(attempt, 6)) * (0.5 + Random.Shared.NextDouble());
                await Task.Delay(wait, _time, cancellationToken);
                var fresh = await _store.ReadHashFileAsync(cancellationToken);
                next = fresh?.HashFile ?? new HashFile();
                _version = fresh?.Version;
                // Only this write's entries: one written before and gone from the file now was removed by another writer
                // (a prune judged it superseded and deletes its object); laid back, it would list a bottle the store lacks.
                passed = Lay(next, batch, removals);
            }
        }
        _hashFile = next;
        foreach (var (k, ours, theirs) in passed.Where(p => p.Theirs.Sha256 != p.Ours.Sha256))
        {
            _observer.Info($"warning: {k}: this run's bottle ({ours.S3Key}, sha256 {ours.Sha256[..12]}) is not listed: another writer listed a newer one meanwhile ({theirs.S3Key}, sha256 {theirs.Sha256[..12]}), which stays");
        }
        Writes++;
        lock (_gate)
        {
            foreach (var (k, v) in batch)
            {
                if (_pending.TryGetValue(k, out var current) && current == v)
                {
                    _pending.Remove(k);
                }
            }
            // Removed once (or found absent already): an entry another writer lists again later is theirs.
            _removed.ExceptWith(asked);
        }
        _observer.Checkpointed(next.Count, _store.HashFileLocation);
    }
}
