using Amazon.S3;
using HomebrewSync.Adapters.Files;
using HomebrewSync.Adapters.Git;
using HomebrewSync.Adapters.Http;
using HomebrewSync.Adapters.Slack;
using HomebrewSync.Aws;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Hosting;

/// <summary>
/// The composition root of every host (the CLI, the Lambda handlers, the ECS task): one HttpClient, one S3 client,
/// the store, the registry, the catalog and Slack adapters, and the use cases over them. Built once per process or
/// Lambda container.
/// </summary>
public sealed class SyncServices : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _owned;

    /// <summary>Composes the use cases over the given adapters; <see cref="CreateAsync"/> builds the standard ones from the settings.</summary>
    /// <param name="owned">What these services dispose with themselves (the HTTP and S3 clients).</param>
    /// <param name="api">Homebrew's API files and the key they are signed with; null when they are not mirrored.</param>
    public SyncServices(HostSettings settings, IStore store, IBottleRegistry registry, IFormulaSource catalog, INotifier notifier, TimeProvider time, IReadOnlyList<IDisposable> owned,
        (IApiFileSource Source, JwsVerifier Key)? api = null, Core.BrewGit.IGitRepositoryCache? git = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Store = store;
        Time = time;
        _owned = api is { } a ? [.. owned, a.Key] : owned;
        Context = new SyncContext(new SyncPorts(store, store, store, store.Leases, catalog, registry, notifier, api?.Source, git), settings.Sync, settings.Notifications, time, api?.Key);
        Planner = new Planner(Context);
        Sync = new SyncRun(Context);
        Executor = new SavedPlanExecutor(Context);
        Orchestrator = new SyncOrchestrator(Context);
        Freshness = new MirrorFreshness(Context);
        Prune = new PruneRun(Context);
    }

    public HostSettings Settings { get; }
    public TimeProvider Time { get; }

    /// <summary>What the use cases share: the ports over the adapters, the settings, the clock.</summary>
    public SyncContext Context { get; }

    /// <summary><c>plan</c>: what a sync would fetch.</summary>
    public Planner Planner { get; }

    /// <summary><c>sync</c>: a whole run in this process.</summary>
    public SyncRun Sync { get; }

    /// <summary>The Lambda worker and <c>sync --plan</c> (the ECS task): a saved plan executed.</summary>
    public SavedPlanExecutor Executor { get; }

    /// <summary>The orchestrator Lambda: plan, save and route a trigger's run; report a failed one.</summary>
    public SyncOrchestrator Orchestrator { get; }

    /// <summary>The daily freshness check: the mirror's age as a metric.</summary>
    public MirrorFreshness Freshness { get; }

    /// <summary><c>prune</c>, from the CLI or the weekly orchestrator run.</summary>
    public PruneRun Prune { get; }

    /// <summary>The store, by every port it offers (bottles, hash file, documents, reads for serving).</summary>
    public IStore Store { get; }

    /// <summary>Builds the services; reading the Slack secret is the only call made.</summary>
    /// <param name="warn">Hears what degrades without failing: a Slack secret not set yet, a message not delivered.</param>
    /// <exception cref="SecretUnavailableException">The named Slack secret cannot be read or is malformed.</exception>
    public static async Task<SyncServices> CreateAsync(HostSettings settings, TimeProvider time, Action<string> warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(warn);
        var http = HttpClientFactory.Create(settings.Sync);
        AmazonS3Client? s3 = null;
        try
        {
            IStore store;
            if (settings.Store.S3Location is { } at)
            {
                s3 = S3ClientFactory.Create(settings.Store.S3Endpoint, settings.Store.Region, settings.Sync.RetryAttempts);
                store = new S3Store(s3, new S3StoreOptions(at.Bucket, at.Prefix, settings.Sync.TempDir, settings.Store.ServerSideEncryption, settings.Store.KmsKeyId));
            }
            else
            {
                store = new LocalFolderStore(settings.Store.Location, time);
            }
            var notifier = await NotifierAsync(settings, http, time, warn, cancellationToken);
            var owned = s3 is null ? new IDisposable[] { http } : [http, s3];
            var services = new SyncServices(settings, store, new RegistryClient(http, settings.Sync, time), CatalogFor(settings, http, time), notifier, time, owned,
                ApiFor(settings, http, time, warn), GitFor(settings));
            http = null!;
            s3 = null;
            return services;
        }
        finally
        {
            http?.Dispose();
            s3?.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }
    }

    private static IFormulaSource CatalogFor(HostSettings settings, HttpClient http, TimeProvider time)
    {
        var url = settings.Sync.ApiUrl;
        return url.IsFile
            ? new FileCatalogSource(url.LocalPath, settings.Sync.MaxCatalogBytes)
            : new HttpCatalogSource(http, url, ResiliencePipelines.Create(settings.Sync, time), settings.Sync.DownloadTimeout, settings.Sync.MaxCatalogBytes);
    }

    /// <summary>A first fetch of brew's repository (~100 MB) over a slow link is the longest git command a sync runs.</summary>
    private static readonly TimeSpan GitCommandTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The git cache for brew's repository, when one is configured and this host has git (the Lambda runtime has none).</summary>
    private static Core.BrewGit.IGitRepositoryCache? GitFor(HostSettings settings) =>
        settings.Sync.BrewGitRemote is not null && GitRepositoryCache.Locate(Environment.GetEnvironmentVariable("PATH")) is { } git
            ? new GitRepositoryCache(git, Path.Combine(settings.Sync.TempDir, "brew-git-cache"), GitCommandTimeout, settings.Sync.MaxBrewGitBytes)
            : null;

    /// <summary>Homebrew's API files from the catalog's directory, when mirrored and a key is at hand.</summary>
    private static (IApiFileSource, JwsVerifier)? ApiFor(HostSettings settings, HttpClient http, TimeProvider time, Action<string> warn)
    {
        if (!settings.Sync.MirrorApi)
        {
            return null;
        }
        if (ApiKeyLocator.Locate(settings.Sync, settings.HomebrewRepository, out var problem) is not { } key)
        {
            warn(problem!);
            return null;
        }
        var url = settings.Sync.ApiUrl;
        var directory = new Uri(url, ".");
        IApiFileSource source = url.IsFile
            ? new FileApiFileSource(directory.LocalPath, settings.Sync.MaxApiFileBytes)
            : new HttpApiFileSource(http, directory, ResiliencePipelines.Create(settings.Sync, time), settings.Sync.MaxApiFileBytes);
        return (source, key);
    }

    /// <summary>Slack from the configured webhook, else from the secret named by SLACK_WEBHOOK_SECRET_NAME (read through SSM), else none.</summary>
    private static async Task<INotifier> NotifierAsync(HostSettings settings, HttpClient http, TimeProvider time, Action<string> warn, CancellationToken cancellationToken)
    {
        var n = settings.Notifications;
        var webhook = n.SlackWebhookUrl;
        if (webhook is null && n.SlackWebhookSecretName is { } name)
        {
            using var ssm = SsmSecretReader.CreateClient(settings.SsmEndpoint, settings.Store.Region);
            webhook = SlackWebhookSecret.Parse(name, await new SsmSecretReader(ssm).ReadAsync(name, cancellationToken));
            if (webhook is null)
            {
                warn($"Slack is not set up yet: the secret '{name}' holds the deployment's placeholder; messages are skipped. "
                    + $"Set it with: aws secretsmanager put-secret-value --secret-id {name} --secret-string https://hooks.slack.com/services/...");
            }
        }
        return webhook is null
            ? NullNotifier.Instance
            : new SlackWebhookNotifier(http, webhook, n.SlackChannel, n.SlackUsername, time, warn, n.SlackMaxWait);
    }
}
