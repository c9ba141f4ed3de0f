using HomebrewSync.Aws;
using HomebrewSync.Contracts;
using HomebrewSync.Core;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Cli;

/// <summary>The object graph of one invocation: one HttpClient, one store, one pipeline.</summary>
internal sealed class CliServices : IDisposable
{
    private readonly HttpClient _http;
    private readonly Amazon.S3.AmazonS3Client? _s3;

    private readonly CliRequest _request;
    private readonly IReadOnlyDictionary<string, string?> _environment;

    public CliServices(CliRequest request, IReadOnlyDictionary<string, string?> environment, TimeProvider time, Action<RetryNotice> onRetry)
    {
        _request = request;
        _environment = environment;
        Time = time;
        if (request.S3Location is { } s3)
        {
            _s3 = S3ClientFactory.Create(request.S3Endpoint, environment.GetValueOrDefault(EnvVars.AwsRegion), request.Settings.RetryAttempts);
            Store = new S3BottleStore(_s3, new S3StoreOptions(s3.Bucket, s3.Prefix, request.Settings.TempDir, request.ServerSideEncryption, request.KmsKeyId));
        }
        else
        {
            Store = new LocalBottleStore(request.Store);
        }
        _http = HttpClientFactory.Create(request.Settings);
        var registry = new RegistryClient(_http, request.Settings.RegistryToken, time);
        var pipeline = ResiliencePipelines.Create(request.Settings, time, onRetry);
        Runner = new SyncRunner(
            Store,
            new HttpFormulaSource(_http, request.Settings.ApiUrl, pipeline, request.Settings.DownloadTimeout),
            new BottleSizer(registry, pipeline, request.Settings.MaxConcurrentDownloads),
            new TransferEngine(Store, registry, pipeline, request.Settings, time),
            request.Settings,
            time);
    }

    public TimeProvider Time { get; }
    public SyncSettings Settings => _request.Settings;
    public IBottleStore Store { get; }
    public SyncRunner Runner { get; }

    /// <summary>Slack from the webhook option, or from the secret named by SLACK_WEBHOOK_SECRET_NAME; silent without either.</summary>
    /// <exception cref="SecretUnavailableException">The named secret cannot be read.</exception>
    public async Task<SyncNotifications> CreateNotificationsAsync(Action<string> warn, CancellationToken cancellationToken)
    {
        var n = _request.Notifications;
        var notifier = await SlackNotifierFactory.CreateAsync(n, _http, _request.SsmEndpoint, _environment.GetValueOrDefault(EnvVars.AwsRegion), Time, warn, cancellationToken);
        return new SyncNotifications(notifier, n, Time);
    }

    public void Dispose()
    {
        _http.Dispose();
        _s3?.Dispose();
    }
}
