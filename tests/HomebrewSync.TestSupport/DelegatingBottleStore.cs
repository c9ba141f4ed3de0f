using HomebrewSync.Core.Storage;

namespace HomebrewSync.TestSupport;

/// <summary>A bottle store that forwards every call to another: a test overrides only the call it changes (a failing delete, counted staging).</summary>
public abstract class DelegatingBottleStore(IBottleStore inner) : IBottleStore
{
    public virtual string Location => inner.Location;
    public virtual string Describe(string key) => inner.Describe(key);
    public virtual Task PrepareAsync(CancellationToken cancellationToken) => inner.PrepareAsync(cancellationToken);
    public virtual Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken) => inner.StageAsync(key, expectedSize, cancellationToken);
    public virtual Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken) => inner.CopyAsync(sourceKey, destinationKey, metadata, cancellationToken);
    public virtual Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken) => inner.HoldsVerifiedAsync(key, sha256, cancellationToken);
    public virtual Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);
    public virtual Task<BottleMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken) => inner.GetMetadataAsync(key, cancellationToken);
    public virtual Task<string> ComputeSha256Async(string key, CancellationToken cancellationToken) => inner.ComputeSha256Async(key, cancellationToken);
    public virtual IAsyncEnumerable<StoredBottle> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
    public virtual Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
}
