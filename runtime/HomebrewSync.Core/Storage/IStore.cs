namespace HomebrewSync.Core.Storage;

/// <summary>
/// What a store adapter (a folder, a bucket) offers, as one object. Callers take only the port they use:
/// bottles, the hash file, documents, or reads for serving.
/// </summary>
public interface IStore : IBottleStore, IHashFileStore, IDocumentStore, IStoreReader, ILeaseStore;
