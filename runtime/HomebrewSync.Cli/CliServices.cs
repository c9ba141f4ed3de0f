using HomebrewSync.Core;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Cli;

/// <summary>The object graph of one invocation: one HttpClient, one store, one pipeline.</summary>
internal sealed class CliServices : IDisposable
{
    private readonly HttpClient _http;

    public CliServices(CliRequest request, TimeProvider time, Action<RetryNotice> onRetry)
    {
        Time = time;
        Store = new LocalBottleStore(request.Store);
        _http = HttpClientFactory.Create(request.Settings);
        var registry = new RegistryClient(_http, request.Settings.RegistryToken, time);
        var pipeline = ResiliencePipelines.Create(request.Settings, time, onRetry);
        Runner = new SyncRunner(
            Store,
            new HttpFormulaSource(_http, request.Settings.ApiUrl, pipeline),
            new BottleSizer(registry, pipeline, request.Settings.MaxConcurrentDownloads),
            new TransferEngine(Store, registry, pipeline, request.Settings, time),
            request.Settings,
            time);
    }

    public TimeProvider Time { get; }
    public IBottleStore Store { get; }
    public SyncRunner Runner { get; }

    public void Dispose() => _http.Dispose();
}
