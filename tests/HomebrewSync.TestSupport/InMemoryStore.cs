using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.TestSupport;

/// <summary>A store in memory (every port), with the same conditional-write rules as the real stores; for unit tests of Core.</summary>
public sealed class InMemoryStore : IStore, ILeaseStore
{
    /// <summary>The fake is its own lease store.</summary>
    public ILeaseStore Leases => this;

    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
    private readonly Lock _hashFileGate = new();
    private byte[]? _hashFile;
    private int _hashFileVersion;

    public IReadOnlyDictionary<string, byte[]> Objects => _objects;
    public int HashFileWrites { get; private set; }

    /// <summary>Called inside every hash-file write before the version check (to simulate a concurrent writer).</summary>
    public Action? BeforeHashFileWrite { get; set; }

    public string Location => "memory://";

    public string Describe(string key) => $"memory://{key}";

    public string HashFileLocation => Describe("bottles_hash.json");

    public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs at every read of the hash file (advance a fake clock: a slow store).</summary>
    public Action? OnHashFileRead { get; set; }

    public Task<HashFileSnapshot?> ReadHashFileAsync(CancellationToken cancellationToken)
    {
        OnHashFileRead?.Invoke();
        byte[]? bytes;
        int version;
        lock (_hashFileGate)
        {
            bytes = _hashFile;
            version = _hashFileVersion;
        }
        return Task.FromResult(bytes is null
            ? null
            : new HashFileSnapshot(HashFileSerializer.Read(bytes, Describe("bottles_hash.json")), version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public async Task<string> WriteHashFileAsync(HashFile hashFile, string? expectedVersion, CancellationToken cancellationToken)
    {
        var bytes = await HashFileSerializer.ToBytesAsync(hashFile, cancellationToken);
        var hook = BeforeHashFileWrite;
        BeforeHashFileWrite = null;
        hook?.Invoke();
        lock (_hashFileGate)
        {
            var current = _hashFile is null ? null : _hashFileVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (current != expectedVersion)
            {
                throw new HashFileConflictException($"expected {expectedVersion ?? "none"}, found {current ?? "none"}");
            }
            _hashFile = bytes;
            _hashFileVersion++;
            HashFileWrites++;
            return _hashFileVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Puts raw bytes as the hash file (corrupt ones included).</summary>
    public void SetHashFileBytes(byte[] bytes)
    {
        lock (_hashFileGate)
        {
            _hashFile = bytes;
            _hashFileVersion++;
        }
    }

    public byte[]? HashFileBytes
    {
        get
        {
            lock (_hashFileGate)
            {
                return _hashFile;
            }
        }
    }

    public Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken) =>
        Task.FromResult<IStagedBottle>(new Staged(this, key));

    public Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken)
    {
        _objects[destinationKey] = _objects[sourceKey];
        return Task.CompletedTask;
    }

    public Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var b) && Convert.ToHexStringLower(SHA256.HashData(b)) == sha256);

    public Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var b) ? new StoredBottle(key, b.Length, null, Written) : null);

    /// <summary>The time every object reports as its last write.</summary>
    public DateTimeOffset Written { get; set; } = new(2025, 7, 21, 3, 0, 0, TimeSpan.Zero);

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.EnsureDeletable(key);
        _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public ConcurrentDictionary<string, BottleMetadata> Metadata { get; } = new(StringComparer.Ordinal);

    public Task<BottleMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(Metadata.TryGetValue(key, out var m) ? m : null);

    public Task<string?> BackupHashFileAsync(string stamp, CancellationToken cancellationToken)
    {
        lock (_hashFileGate)
        {
            if (_hashFile is null)
            {
                return Task.FromResult<string?>(null);
            }
            _objects[$"bottles_hash.json.backup-{stamp}"] = _hashFile;
            return Task.FromResult<string?>(_hashFileVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public ConcurrentDictionary<string, byte[]> Documents { get; } = new(StringComparer.Ordinal);

    public Task PutDocumentAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        Documents[key] = content;
        return Task.CompletedTask;
    }

    public Task<StoredDocument?> GetDocumentAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(Documents.TryGetValue(key, out var d) ? new StoredDocument(d, Written) : null);

    public Task DeleteDocumentAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.EnsureDeletable(key);
        Documents.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredObject> ListDocumentsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var (k, v) in Documents.Where(d => d.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            yield return new StoredObject(k, v.Length, Written);
        }
        await Task.CompletedTask;
    }

    // The hash file is an object of the store too: the mirror endpoint HEADs it to see whether it changed.
    public Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(key == Contracts.ProductInfo.HashFileName
            ? HashFileBytes is { } hashFile ? new StoredObject(key, hashFile.Length, Written) : null
            : _objects.TryGetValue(key, out var b) || Documents.TryGetValue(key, out b) ? new StoredObject(key, b.Length, Written) : null);

    /// <summary>Puts an object as a committed upload would (set-up for tests that read the store).</summary>
    public void Put(string key, byte[] bytes) => _objects[key] = bytes;

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        var b = _objects.TryGetValue(key, out var o) ? o : Documents[key];
        var n = (int)(length ?? b.Length - offset);
        return Task.FromResult<Stream>(new MemoryStream(b, (int)offset, n, writable: false));
    }

    public Task<Uri?> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken) => Task.FromResult<Uri?>(null);

    public Task<string> ComputeSha256Async(string key, CancellationToken cancellationToken) =>
        Task.FromResult(Convert.ToHexStringLower(SHA256.HashData(_objects[key])));

    public async IAsyncEnumerable<StoredBottle> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var (k, v) in _objects.Where(o => StoreKeys.IsBottleKey(o.Key)).OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            yield return new StoredBottle(k, v.Length, null, Written);
        }
        await Task.CompletedTask;
    }

    private readonly object _leaseGate = new();
    private readonly Dictionary<string, (byte[] Content, string Version)> _leases = new(StringComparer.Ordinal);
    private int _leaseVersions;

    public Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        lock (_leaseGate)
        {
            if (_leases.ContainsKey(key))
            {
                return Task.FromResult<string?>(null);
            }
            var version = (++_leaseVersions).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _leases[key] = (content, version);
            return Task.FromResult<string?>(version);
        }
    }

    public Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken)
    {
        lock (_leaseGate)
        {
            if (!_leases.TryGetValue(key, out var current) || current.Version != expectedVersion)
            {
                return Task.FromResult<string?>(null);
            }
            var version = (++_leaseVersions).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _leases[key] = (content, version);
            return Task.FromResult<string?>(version);
        }
    }

    public Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken)
    {
        lock (_leaseGate)
        {
            return Task.FromResult<(byte[], string)?>(_leases.TryGetValue(key, out var l) ? l : null);
        }
    }

    public async IAsyncEnumerable<string> ListLeasesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string[] keys;
        lock (_leaseGate)
        {
            keys = _leases.Keys.Order(StringComparer.Ordinal).ToArray();
        }
        foreach (var k in keys)
        {
            yield return k;
        }
        await Task.CompletedTask;
    }

    public Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken)
    {
        lock (_leaseGate)
        {
            return Task.FromResult(_leases.TryGetValue(key, out var current) && current.Version == expectedVersion && _leases.Remove(key));
        }
    }

    private sealed class Staged(InMemoryStore store, string key) : IStagedBottle
    {
        private readonly MemoryStream _buffer = new();

        public Stream Content => _buffer;

        public Task ResetAsync(CancellationToken cancellationToken)
        {
            _buffer.SetLength(0);
            return Task.CompletedTask;
        }

        public Task<bool> CommitAsync(BottleMetadata metadata, bool replace, CancellationToken cancellationToken)
        {
            if (!replace && store._objects.ContainsKey(key))
            {
                return Task.FromResult(false);
            }
            store._objects[key] = _buffer.ToArray();
            store.Metadata[key] = metadata;
            return Task.FromResult(true);
        }

        public ValueTask DisposeAsync() => _buffer.DisposeAsync();
    }
}
