namespace HomebrewSync.Core.Storage;

/// <summary>
/// What a store adapter (a folder, a bucket) offers, as one object. Callers take only the port they use:
/// bottles, the hash file, documents, reads for serving, or its leases.
/// </summary>
public interface IStore : IBottleStore, IHashFileStore, IDocumentStore, IStoreReader
{
    /// <summary>The store's leases (under <c>leases/</c>), held by the adapter's lease helper rather than forwarded member by member.</summary>
    ILeaseStore Leases { get; }
}
