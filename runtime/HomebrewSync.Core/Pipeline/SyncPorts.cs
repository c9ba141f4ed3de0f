using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Pipeline;

/// <summary>The outside world as the pipeline sees it; the composition root fills it with adapters.</summary>
public sealed record SyncPorts(
    IBottleStore Bottles,
    IHashFileStore HashFile,
    IDocumentStore Documents,
    ILeaseStore Leases,
    IFormulaSource Catalog,
    IBottleRegistry Registry,
    INotifier Notifier,
    Api.IApiFileSource? ApiFiles = null,
    BrewGit.IGitRepositoryCache? Git = null);
