using HomebrewSync.Aws;
using HomebrewSync.Contracts;
using HomebrewSync.Core;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Lambda;

/// <summary>Everything a handler needs, built once per container from the function's environment.</summary>
public sealed class LambdaServices : IDisposable
{
    private readonly HttpClient _http;
    private readonly Amazon.S3.AmazonS3Client _s3;

    private LambdaServices(SyncSettings settings, HttpClient http, Amazon.S3.AmazonS3Client s3, IBottleStore store, SyncNotifications notifications, TimeProvider time, TextWriter log)
    {
        Settings = settings;
        Time = time;
        _http = http;
        _s3 = s3;
        Store = store;
        Log = new LogObserver(log);
        var registry = new RegistryClient(http, settings.RegistryToken, time);
        var pipeline = ResiliencePipelines.Create(settings, time, Log.Retrying);
        var runner = new SyncRunner(store, new HttpFormulaSource(http, settings.ApiUrl, pipeline, settings.DownloadTimeout),
            new BottleSizer(registry, pipeline, settings.MaxConcurrentDownloads),
            new TransferEngine(store, registry, pipeline, settings, time), settings, time);
        Orchestrator = new SyncOrchestrator(store, runner, notifications, settings, time);
        Worker = new PlanWorker(store, runner, notifications.For("Lambda", null, null), settings, time);
    }

    public SyncSettings Settings { get; }
    public TimeProvider Time { get; }
    public IBottleStore Store { get; }
    public SyncOrchestrator Orchestrator { get; }
    public PlanWorker Worker { get; }
    public LogObserver Log { get; }

    /// <exception cref="SettingsException">Every configuration error, listed.</exception>
    public static async Task<LambdaServices> CreateAsync(IReadOnlyDictionary<string, string?> environment, TimeProvider time, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var reader = new SettingsReader(environment);
        var settings = SyncSettingsReader.Read(reader);
        var notificationSettings = NotificationSettings.Read(reader);
        var bucket = reader.Raw(EnvVars.S3BucketName);
        if (bucket is null || !S3StoreOptions.IsValidBucketName(bucket))
        {
            reader.AddError($"{EnvVars.S3BucketName}: '{bucket}' is not an S3 bucket name");
        }
        var s3Endpoint = reader.AwsEndpoint(EnvVars.AwsEndpointUrlS3);
        var ssmEndpoint = reader.AwsEndpoint(EnvVars.AwsEndpointUrlSsm);
        var errors = reader.Errors.Concat(SyncSettingsValidator.Validate(settings)).ToArray();
        if (errors.Length > 0)
        {
            throw new SettingsException(errors);
        }
        var region = reader.Raw(EnvVars.AwsRegion);
        var http = HttpClientFactory.Create(settings);
        var s3 = S3ClientFactory.Create(s3Endpoint, region, settings.RetryAttempts);
        var store = new S3BottleStore(s3, new S3StoreOptions(bucket!, "", settings.TempDir,
            reader.String(EnvVars.S3ServerSideEncryption, S3StoreOptions.Aes256), reader.Raw(EnvVars.KmsKeyId)));
        var notifier = await SlackNotifierFactory.CreateAsync(notificationSettings, http, ssmEndpoint, region, time, w => log.WriteLine("WARN " + w), cancellationToken);
        return new LambdaServices(settings, http, s3, store, new SyncNotifications(notifier, notificationSettings, time), time, log);
    }

    public void Dispose()
    {
        _http.Dispose();
        _s3.Dispose();
    }
}
