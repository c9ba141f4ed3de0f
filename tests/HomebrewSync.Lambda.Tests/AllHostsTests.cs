using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Lambda.Tests;

/// <summary>
/// One fixture drives every host through its real entry point: the CLI's <c>sync</c> as a process, the orchestrator
/// routing to ECS and the task's <c>sync --plan</c> as a process, and the orchestrator routing to the Lambda worker
/// over several budgeted invocations. Each fills its own bucket (moto) from the same fake Homebrew, reads its
/// Slack webhook from a JSON secret through SSM, and must end with the same bottles, hash file, message kinds,
/// log lines and metrics.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class AllHostsTests(S3ServerFixture fixture, ProdStateMachine prod, TwoWorkerInvocationsStateMachine shortLoop) : IAsyncLifetime, IClassFixture<ProdStateMachine>, IClassFixture<TwoWorkerInvocationsStateMachine>
{
    private const string Scheduled = """{"version":"0","id":"53dc4d37","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2025-07-21T03:00:00Z","region":"us-east-1","resources":[],"detail":{}}""";
    private const string Started = "🚀 Homebrew Bottles Sync Started";
    private const string Complete = "✅ Homebrew Bottles Sync Complete";
    private static readonly string[] Tags = ["arm64_sonoma", "monterey"];
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-hosts-" + Guid.NewGuid().ToString("N"));
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly ApiSigner _signer = new();
    private readonly Dictionary<string, byte[]> _apiFiles = new(StringComparer.Ordinal);
    private FakeHomebrewServer _homebrew = null!;
    private FakeFormula[] _formulae = null!;

    public async Task InitializeAsync()
    {
        _formulae = Enumerable.Range(0, 3).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottles(Tags, 8_000).Build()).ToArray();
        _homebrew = await FakeHomebrewServer.StartAsync(_formulae);
        foreach (var tag in Tags)
        {
            _apiFiles[tag] = _signer.Sign(ApiSigner.PackagesPayload(_formulae, tag));
            _homebrew.SetApiFile($"internal/packages.{tag}.jws.json", _apiFiles[tag]);
        }
    }

    public async Task DisposeAsync()
    {
        _signer.Dispose();
        await _homebrew.DisposeAsync();
        foreach (var s in _servers)
        {
            await s.DisposeAsync();
        }
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    private sealed record Host(string Bucket, FakeSlackServer Slack, Dictionary<string, string?> Environment);

    /// <summary>A bucket, a Slack webhook behind a JSON secret, and the environment the infrastructure would set.</summary>
    private async Task<Host> HostAsync(string method, params (string Key, string Value)[] extra)
    {
        var slack = await FakeSlackServer.StartAsync();
        _servers.Add(slack);
        var bucket = await fixture.Server.CreateBucketAsync();
        var secret = $"homebrew-sync/slack-{method}-{Guid.NewGuid():N}";
        await fixture.Server.PutSecretAsync(secret, JsonSerializer.Serialize(new { url = slack.WebhookUrl.AbsoluteUri }));
        var env = new Dictionary<string, string?>(fixture.Server.Environment(), StringComparer.Ordinal)
        {
            [EnvVars.S3BucketName] = bucket,
            [EnvVars.HomebrewApiUrl] = _homebrew.ApiUrl.AbsoluteUri,
            [EnvVars.RegistryHosts] = "127.0.0.1",
            [EnvVars.TargetPlatforms] = string.Join(',', Tags),
            [EnvVars.SyncDate] = "2025-07-21",
            [EnvVars.SlackWebhookSecretName] = secret,
            [EnvVars.Environment] = "prod",
            [EnvVars.EmitMetrics] = "true",
            [EnvVars.SyncMethod] = method,
            [EnvVars.OrchestratorFunctionName] = "homebrew-sync-orchestrator",
            [EnvVars.TempDir] = Path.Combine(_temp, method),
            [EnvVars.RetryDelaySeconds] = "0.05",
            [EnvVars.DownloadTimeoutSeconds] = "10",
            // The key itself, as the deployment sets it (a public key: no secret).
            [EnvVars.ApiPublicKey] = _signer.PublicKeyPem,
        };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }
        return new Host(bucket, slack, env);
    }

    [Fact]
    public async Task EveryHost_StoresTheSameBottlesAndHashFile_SendsTheSameMessages_LogsTheSameLines_AndWritesTheSameMetrics()
    {
        // The CLI on one machine.
        var cli = await HostAsync("Local");
        var local = await CliProcess.RunAsync(cli.Environment, "sync");
        Assert.True(local.ExitCode == 0, local.Error);

        // The orchestrator routes to ECS (everything is above the threshold); the task runs the plan.
        var ecs = await HostAsync("ECS", (EnvVars.SizeThresholdGb, "0.00001"), (EnvVars.EcsClusterName, "homebrew-sync"));
        using var ecsLog = new StringWriter();
        using (var services = await LambdaServices.CreateAsync(Orchestrator(ecs.Environment), TimeProvider.System, ecsLog, CancellationToken.None))
        {
            var execution = new StateMachineRun(prod.Machine, services, ecs.Environment);
            await execution.RunAsync(Scheduled);
            Assert.True(execution.EndState == EndStates.DoneOnEcs, execution.Ecs?.Error);
            Assert.Equal(Routes.Ecs, execution.Planned!.Route);
            ecsLog.Write(execution.Ecs!.Error);
        }

        // The orchestrator routes to the Lambda worker, whose budget fits one slow bottle per invocation.
        var worker = await HostAsync("Lambda", (EnvVars.TimeBudgetSeconds, "10.5"), (EnvVars.RetryAttempts, "1"), (EnvVars.DownloadTimeoutSeconds, "5"), (EnvVars.MaxConcurrentDownloads, "1"));
        using var workerLog = new StringWriter();
        // Each bottle takes one second on the worker's clock, whatever this machine's speed.
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        _homebrew.BeforeBlobBody = () => clock.Advance(TimeSpan.FromSeconds(1));
        using (var services = await LambdaServices.CreateAsync(worker.Environment, clock, workerLog, CancellationToken.None))
        {
            var execution = new StateMachineRun(prod.Machine, services, worker.Environment);
            await execution.RunAsync(Scheduled);
            Assert.Equal(EndStates.Done, execution.EndState);
            Assert.Equal(Routes.Lambda, execution.Planned!.Route);
            // Each bottle takes a second of the clock; after the first, another would not fit the 10.5 s budget (a bottle may take 10.05 s at worst).
            Assert.Equal(6, execution.WorkerResults.Count);
            Assert.Equal([1, 2, 3, 4, 5, 6], execution.WorkerResults.Select(r => r.Stored));
        }

        // Homebrew's API files too: fetched at planning (beside the saved plan for the deployed hosts), published at the end.
        foreach (var host in new[] { cli, ecs, worker })
        {
            foreach (var tag in Tags)
            {
                using var client = fixture.Server.CreateClient();
                using var r = await client.GetObjectAsync(host.Bucket, $"api/internal/packages.{tag}.jws.json");
                using var buffer = new MemoryStream();
                await r.ResponseStream.CopyToAsync(buffer);
                Assert.Equal(_apiFiles[tag], buffer.ToArray());
            }
        }

        var expectedObjects = await ObjectsAsync(cli.Bucket);
        var expectedHash = await HashEntriesAsync(cli.Bucket);
        Assert.Equal(6, expectedObjects.Count);
        Assert.Equal(6, expectedHash.Count);
        foreach (var host in new[] { ecs, worker })
        {
            Assert.Equal(expectedObjects, await ObjectsAsync(host.Bucket));
            Assert.Equal(expectedHash, await HashEntriesAsync(host.Bucket));
        }

        Assert.Equal([Started, Complete], cli.Slack.Headers);
        Assert.Equal([Started, "⚡ Large Download Detected", Complete], ecs.Slack.Headers);
        Assert.Equal([Started, Complete], worker.Slack.Headers);

        var logs = new[] { ("local", local.Error), ("ecs", ecsLog.ToString()), ("lambda", workerLog.ToString()) };
        foreach (var (syncType, log) in logs)
        {
            foreach (var key in expectedHash.Keys)
            {
                Assert.Contains($"Downloaded {key} (", log, StringComparison.Ordinal);
            }
            var emf = Assert.Single(log.Split('\n'), l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal));
            using var doc = JsonDocument.Parse(emf);
            var root = doc.RootElement;
            Assert.Equal(
                "HomebrewSync:Environment,SyncDate:BottlesDownloaded/Count,BottlesFailed/Count,BottlesSkipped/Count|HomebrewSync:Environment,SyncType:SyncDuration/Seconds|HomebrewSync:Environment:DownloadSize/Bytes",
                Directives(root));
            Assert.Equal((6, 0, 0, 48_000L, "prod", "2025-07-21", syncType),
                (root.GetProperty("BottlesDownloaded").GetInt32(), root.GetProperty("BottlesFailed").GetInt32(), root.GetProperty("BottlesSkipped").GetInt32(),
                 root.GetProperty("DownloadSize").GetInt64(), root.GetProperty("Environment").GetString(), root.GetProperty("SyncDate").GetString(), root.GetProperty("SyncType").GetString()));
        }
    }

    [Fact]
    public async Task WorkerLoopBound_EndsInTheFailurePathWithAMessage()
    {
        var worker = await HostAsync("Lambda", (EnvVars.TimeBudgetSeconds, "10.5"), (EnvVars.RetryAttempts, "1"), (EnvVars.DownloadTimeoutSeconds, "5"), (EnvVars.MaxConcurrentDownloads, "1"));
        using var log = new StringWriter();
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        _homebrew.BeforeBlobBody = () => clock.Advance(TimeSpan.FromSeconds(1));
        using var services = await LambdaServices.CreateAsync(worker.Environment, clock, log, CancellationToken.None);
        var execution = new StateMachineRun(shortLoop.Machine, services, worker.Environment);

        await execution.RunAsync(Scheduled);

        Assert.Equal(EndStates.SyncFailed, execution.EndState);
        Assert.Equal(2, execution.WorkerResults.Count);
        Assert.Equal([Started, "❌ Homebrew Bottles Sync Failed"], worker.Slack.Headers);
        var fields = worker.Slack.Messages[1].RootElement.GetProperty("blocks")[1].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()).ToArray();
        Assert.Contains("*Error Type:* Worker Did Not Finish", fields);
        Assert.Contains("*Bottles Downloaded:* 2/6", fields);
    }

    [Fact]
    public async Task SlackSecretStillThePlaceholder_OrchestratorAndWorkerWarnOnce_AndTheSyncRuns()
    {
        var host = await HostAsync("Lambda");
        var secret = $"homebrew-sync/placeholder-{Guid.NewGuid():N}";
        await fixture.Server.PutSecretAsync(secret, Contracts.Deployment.SlackSecretPlaceholder.Value);
        host.Environment[EnvVars.SlackWebhookSecretName] = secret;
        using var log = new StringWriter();
        using var services = await LambdaServices.CreateAsync(host.Environment, TimeProvider.System, log, CancellationToken.None);
        var execution = new StateMachineRun(prod.Machine, services, host.Environment);

        await execution.RunAsync(Scheduled);

        Assert.Equal(EndStates.Done, execution.EndState);
        Assert.Equal(6, (await ObjectsAsync(host.Bucket)).Count);
        Assert.Single(log.ToString().Split('\n'), l => l.Contains("WARN Slack is not set up yet", StringComparison.Ordinal));
        Assert.Equal(0, host.Slack.Requests);
    }

    [Fact]
    public async Task ColdStartThatFails_IsRetriedByTheNextInvocation()
    {
        var host = await HostAsync("Lambda");
        var secret = $"homebrew-sync/late-{Guid.NewGuid():N}";
        host.Environment[EnvVars.SlackWebhookSecretName] = secret;
        using var log = new StringWriter();
        var init = new RetryingInit<LambdaServices>(() => LambdaServices.CreateAsync(host.Environment, TimeProvider.System, log, CancellationToken.None));
        var orchestrator = new OrchestratorFunction(init);

        // The secret does not exist yet: this container's first initialization fails...
        await Assert.ThrowsAsync<Core.Notifications.SecretUnavailableException>(() => StateMachineRun.InvokeAsync<JsonElement>(orchestrator, Scheduled));
        await fixture.Server.PutSecretAsync(secret, host.Slack.WebhookUrl.AbsoluteUri);

        // ...and the next invocation builds the services again instead of failing the same way.
        var planned = await StateMachineRun.InvokeAsync<OrchestratorResult>(orchestrator, Scheduled);

        Assert.Equal(6, planned.Bottles);
        Assert.Equal([Started], host.Slack.Headers);
    }

    /// <summary>The orchestrator's environment: the ECS task's, plus what only the orchestrator reads.</summary>
    private static Dictionary<string, string?> Orchestrator(Dictionary<string, string?> env) => new(env, StringComparer.Ordinal) { [EnvVars.SyncMethod] = "Lambda" };

    private static string Directives(JsonElement root) => string.Join('|', root.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray().Select(d =>
        $"{d.GetProperty("Namespace").GetString()}:{string.Join(',', d.GetProperty("Dimensions")[0].EnumerateArray().Select(x => x.GetString()))}:"
        + string.Join(',', d.GetProperty("Metrics").EnumerateArray().Select(m => $"{m.GetProperty("Name").GetString()}/{m.GetProperty("Unit").GetString()}"))));

    /// <summary>Every bottle object of a bucket, by key, with the SHA-256 of its bytes.</summary>
    private async Task<SortedDictionary<string, string>> ObjectsAsync(string bucket)
    {
        using var client = fixture.Server.CreateClient();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in (await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? [])
        {
            if (o.Key.EndsWith(".tar.gz", StringComparison.Ordinal))
            {
                using var r = await client.GetObjectAsync(bucket, o.Key);
                result[o.Key] = Convert.ToHexStringLower(await SHA256.HashDataAsync(r.ResponseStream));
            }
        }
        return result;
    }

    /// <summary>The hash file's entries, as text, by key (last_updated and statistics aside).</summary>
    private async Task<SortedDictionary<string, string>> HashEntriesAsync(string bucket)
    {
        using var client = fixture.Server.CreateClient();
        using var r = await client.GetObjectAsync(bucket, "bottles_hash.json");
        using var doc = await JsonDocument.ParseAsync(r.ResponseStream);
        return new SortedDictionary<string, string>(
            doc.RootElement.GetProperty("bottles").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText()), StringComparer.Ordinal);
    }
}
