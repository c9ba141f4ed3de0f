using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Lambda.Tests;

[Collection(S3Collection.Name)]
public sealed class LambdaEndToEndTests(S3ServerFixture fixture, ProdStateMachine prod) : IAsyncLifetime, IClassFixture<ProdStateMachine>
{
    private static readonly string[] Tags = ["arm64_sonoma", "monterey"];
    private readonly AmazonS3Client _client = fixture.Server.CreateClient();
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-lambda-" + Guid.NewGuid().ToString("N"));
    private readonly StringWriter _log = new();
    private FakeHomebrewServer _homebrew = null!;
    private FakeSlackServer _slack = null!;
    private string _bucket = null!;
    private FakeFormula[] _formulae = null!;

    public async Task InitializeAsync()
    {
        _formulae = Enumerable.Range(0, 4).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottles(Tags, 8_000).Build()).ToArray();
        _homebrew = await FakeHomebrewServer.StartAsync(_formulae);
        _slack = await FakeSlackServer.StartAsync();
        _bucket = await fixture.Server.CreateBucketAsync();
    }

    public async Task DisposeAsync()
    {
        await _homebrew.DisposeAsync();
        await _slack.DisposeAsync();
        _client.Dispose();
        _log.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    /// <summary>The functions' environment, as the infra sets it, pointed at the servers on 127.0.0.1.</summary>
    private Dictionary<string, string?> Env(params (string Key, string Value)[] overrides)
    {
        var env = new Dictionary<string, string?>(fixture.Server.Environment(), StringComparer.Ordinal)
        {
            [EnvVars.S3BucketName] = _bucket,
            [EnvVars.HomebrewApiUrl] = _homebrew.ApiUrl.AbsoluteUri,
            [EnvVars.RegistryHosts] = "127.0.0.1",
            [EnvVars.TargetPlatforms] = string.Join(',', Tags),
            [EnvVars.SlackWebhookUrl] = _slack.WebhookUrl.AbsoluteUri,
            [EnvVars.Environment] = "prod",
            [EnvVars.OrchestratorFunctionName] = "homebrew-sync-orchestrator",
            [EnvVars.TempDir] = _temp,
            [EnvVars.RetryDelaySeconds] = "0.05",
            [EnvVars.DownloadTimeoutSeconds] = "10",
            [EnvVars.SizeThresholdGb] = "20",
            [EnvVars.EcsClusterName] = "homebrew-sync",
        };
        foreach (var (k, v) in overrides)
        {
            env[k] = v;
        }
        return env;
    }

    private async Task<(StateMachineRun Execution, LambdaServices Services)> ExecutionAsync(params (string, string)[] overrides)
    {
        var (services, env) = await ServicesAsync(overrides);
        return (new StateMachineRun(prod.Machine, services, EcsEnvironment(env)), services);
    }

    /// <summary>An execution whose plans go to ECS (a tiny size threshold) and whose task is given one setting of its own.</summary>
    private async Task<(StateMachineRun Execution, LambdaServices Services)> EcsExecutionAsync(string name, string value)
    {
        var (services, env) = await ServicesAsync((EnvVars.SizeThresholdGb, "0.00003"));
        return (new StateMachineRun(prod.Machine, services, new Dictionary<string, string?>(EcsEnvironment(env), StringComparer.Ordinal) { [name] = value }), services);
    }

    private async Task<(LambdaServices Services, Dictionary<string, string?> Environment)> ServicesAsync(params (string, string)[] overrides)
    {
        var env = Env(overrides);
        return (await LambdaServices.CreateAsync(env, TimeProvider.System, _log, CancellationToken.None), env);
    }

    /// <summary>The ECS task's environment: the same settings, and the method it reports (as the task definition sets it).</summary>
    private static Dictionary<string, string?> EcsEnvironment(Dictionary<string, string?> env) => new(env, StringComparer.Ordinal) { [EnvVars.SyncMethod] = "ECS" };

    private async Task<string[]> KeysAsync() =>
        ((await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket })).S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal).ToArray();

    private async Task<JsonDocument> GetJsonAsync(string key)
    {
        using var r = await _client.GetObjectAsync(_bucket, key);
        return await JsonDocument.ParseAsync(r.ResponseStream);
    }

    private string Field(int message, int field) =>
        _slack.Messages[message].RootElement.GetProperty("blocks")[1].GetProperty("fields")[field].GetProperty("text").GetString()!;

    private const string Scheduled = """{"version":"0","id":"53dc4d37","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2025-07-21T03:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/homebrew-sync-weekly"],"detail":{}}""";

    [Fact]
    public async Task ScheduledEvent_PlansSavesRoutesToLambdaAndTheWorkerCompletes()
    {
        var (execution, services) = await ExecutionAsync();
        using var _ = services;

        await execution.RunAsync(Scheduled);

        Assert.Equal(EndStates.Done, execution.EndState);
        var planned = execution.Planned!;
        Assert.Equal(Routes.Lambda, planned.Route);
        Assert.Equal("Scheduled", planned.Trigger);
        Assert.Equal(8, planned.Bottles);
        Assert.Equal(8 * 8_000, planned.TotalBytes);
        Assert.StartsWith($"plans/{planned.SyncDate}/", planned.PlanKey, StringComparison.Ordinal);
        using (var plan = await GetJsonAsync(planned.PlanKey))
        {
            Assert.Equal(8, plan.RootElement.GetProperty("bottles").GetArrayLength());
            Assert.Equal($"s3://{_bucket}", plan.RootElement.GetProperty("store").GetString());
        }
        Assert.True(Assert.Single(execution.WorkerResults).Done);
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "✅ Homebrew Bottles Sync Complete"], _slack.Headers);
        Assert.Equal("*Sync Method:* Lambda", Field(0, 4));
        Assert.Equal("*Trigger:* Scheduled", Field(0, 5));
        Assert.Equal(9, (await KeysAsync()).Count(k => k.EndsWith(".tar.gz", StringComparison.Ordinal) || k == "bottles_hash.json"));
        Assert.Contains("Downloaded tool0-1.0-monterey", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_InAWarmEnvironmentAKilledInvocationLeftStagedFilesIn_RemovesThemFirst_AndKeepsTheRest()
    {
        // A warm environment keeps /tmp; an invocation stopped by its timeout leaves its staged downloads there, fresh.
        Directory.CreateDirectory(_temp);
        var left = Path.Combine(_temp, $"{Guid.NewGuid():N}.part");
        await File.WriteAllBytesAsync(left, new byte[300_000]);
        var cache = Directory.CreateDirectory(Path.Combine(_temp, "brew-git-cache")).FullName;
        await File.WriteAllTextAsync(Path.Combine(cache, "kept.part"), "not staging");
        var (execution, services) = await ExecutionAsync();
        using var _ = services;

        await execution.RunAsync(Scheduled);

        Assert.Equal(EndStates.Done, execution.EndState);
        Assert.False(File.Exists(left));
        Assert.True(File.Exists(Path.Combine(cache, "kept.part")));
        Assert.Empty(Directory.GetFiles(_temp, "*.part"));
        Assert.Contains($"Removed 1 staged download(s) (293.0 KB) left in {_temp}", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingNew_IsASuccessfulRunThatSaysSo()
    {
        var (execution, services) = await ExecutionAsync();
        using var _ = services;
        await execution.RunAsync(Scheduled);
        var again = new StateMachineRun(prod.Machine, services, EcsEnvironment(Env()));

        await again.RunAsync(Scheduled);

        Assert.Equal(EndStates.Done, again.EndState);
        Assert.Equal(0, again.Planned!.Bottles);
        Assert.Equal(8, again.Planned.Skipped);
        Assert.True(Assert.Single(again.WorkerResults).Done);
        Assert.Equal("*New Bottles:* 0", Field(3, 2));
        Assert.Equal("*Skipped (Existing):* 8", Field(3, 3));
    }

    [Fact]
    public async Task ManualTrigger_IsToldApartAndNamedInTheMessages()
    {
        var (execution, services) = await ExecutionAsync();
        using var _ = services;

        await execution.RunAsync("""{"source":"homebrew.sync","detail-type":"Manual Sync Trigger","detail":{"trigger_type":"manual","requested_by":"admin@company.com","priority":"high"}}""");

        Assert.Equal(EndStates.Done, execution.EndState);
        Assert.Equal("Manual", execution.Planned!.Trigger);
        Assert.Equal("*Trigger:* Manual", Field(0, 5));
        // Who asked and how urgently: in the plan, in "started" and "complete", and in the orchestrator's and the worker's logs.
        using var plan = await GetJsonAsync(execution.Planned.PlanKey);
        Assert.Equal("admin@company.com", plan.RootElement.GetProperty("requested_by").GetString());
        Assert.Equal("high", plan.RootElement.GetProperty("priority").GetString());
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "✅ Homebrew Bottles Sync Complete"], _slack.Headers);
        foreach (var message in _slack.Messages)
        {
            var blocks = message.RootElement.GetProperty("blocks");
            var context = blocks[blocks.GetArrayLength() - 1].GetProperty("elements")[0].GetProperty("text").GetString();
            Assert.EndsWith(" • Requested by admin@company.com • Priority high", context, StringComparison.Ordinal);
        }
        Assert.Contains("Sync requested: Manual, requested by admin@company.com, priority high", _log.ToString(), StringComparison.Ordinal);
        Assert.Contains($"Executing plan {execution.Planned.PlanKey} (Manual, requested by admin@company.com, priority high)", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManualTrigger_TriggerTypeNamesTheTrigger()
    {
        var (execution, services) = await ExecutionAsync();
        using var _ = services;

        await execution.RunAsync("""{"source":"homebrew.sync","detail-type":"Manual Sync Trigger","detail":{"trigger_type":"hotfix"}}""");

        Assert.Equal(EndStates.Done, execution.EndState);
        Assert.Equal("Hotfix", execution.Planned!.Trigger);
        Assert.Equal("*Trigger:* Hotfix", Field(0, 5));
    }

    [Fact]
    public async Task SelectiveSync_PlansOnlyTheNamedFormulaeAndPlatforms_AndForceDownloadsAgain()
    {
        var (execution, services) = await ExecutionAsync();
        using var _ = services;
        await execution.RunAsync(Scheduled);
        var selective = new StateMachineRun(prod.Machine, services, EcsEnvironment(Env()));

        await selective.RunAsync("""{"source":"homebrew.sync","detail-type":"Selective Sync","detail":{"formula_names":["tool1","tool3"],"platforms":["monterey"],"force_download":true}}""");

        Assert.Equal(EndStates.Done, selective.EndState);
        Assert.Equal("Selective", selective.Planned!.Trigger);
        using var plan = await GetJsonAsync(selective.Planned.PlanKey);
        Assert.True(plan.RootElement.GetProperty("force").GetBoolean());
        Assert.Equal(["tool1-1.0-monterey", "tool3-1.0-monterey"],
            plan.RootElement.GetProperty("bottles").EnumerateArray().Select(b => b.GetProperty("key").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(2, _homebrew.BlobGets(_formulae[1].Bottles["monterey"].Sha256));
        Assert.Equal(1, _homebrew.BlobGets(_formulae[0].Bottles["monterey"].Sha256));
    }

    [Fact]
    public async Task DirectInvocation_FullRebuildsTheHashFileDownloadsEverythingAgainAndPostsToTheRequestedChannel()
    {
        var (execution, services) = await ExecutionAsync();
        using var _ = services;
        await execution.RunAsync(Scheduled);
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "bottles_hash.json", ContentBody = "{ broken" });
        var direct = new StateMachineRun(prod.Machine, services, EcsEnvironment(Env()));

        await direct.RunAsync("""{"source":"manual","sync_type":"full","force_rebuild_hash":true,"notification_channel":"#homebrew-sync-manual"}""");

        Assert.Equal(EndStates.Done, direct.EndState);
        // sync_type "full": everything the plan covers is downloaded again, whatever the hash file says.
        Assert.Equal(8, direct.Planned!.Bottles);
        Assert.Equal(0, direct.Planned.Skipped);
        Assert.Equal(2, _homebrew.BlobGets(_formulae[0].Bottles["monterey"].Sha256));
        Assert.Equal("Manual", direct.Planned.Trigger);
        Assert.Contains(await KeysAsync(), k => k.StartsWith("bottles_hash.json.backup-", StringComparison.Ordinal));
        Assert.Equal("#homebrew-sync-manual", _slack.Messages[^1].RootElement.GetProperty("channel").GetString());
    }

    [Fact]
    public async Task LargeDownload_RoutesToEcs_AndTheTaskCommandLineCompletesThePlan()
    {
        var (execution, services) = await ExecutionAsync((EnvVars.SizeThresholdGb, "0.00003"));
        using var _ = services;

        await execution.RunAsync(Scheduled);

        Assert.Equal(EndStates.DoneOnEcs, execution.EndState);
        Assert.Equal(Routes.Ecs, execution.Planned!.Route);
        Assert.Equal(0, execution.Ecs!.ExitCode);
        Assert.Empty(execution.WorkerResults);
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "⚡ Large Download Detected", "✅ Homebrew Bottles Sync Complete"], _slack.Headers);
        Assert.Equal("*Sync Method:* ECS", Field(0, 4));
        Assert.Equal("*ECS Cluster:* homebrew-sync", Field(1, 5));
        using var hash = await GetJsonAsync("bottles_hash.json");
        Assert.Equal(8, hash.RootElement.GetProperty("total_bottles").GetInt32());
    }

    [Fact]
    public async Task EcsTask_ExitingThree_EndsDoneWithWarnings_AfterItsOwnCompletedWithWarnings()
    {
        var (execution, services) = await ExecutionAsync((EnvVars.SizeThresholdGb, "0.00003"), (EnvVars.RetryAttempts, "1"));
        using var _ = services;
        _homebrew.InjectFault(_formulae[0].Bottles[Tags[0]].Sha256, FaultKind.WrongBytes, times: 10);

        await execution.RunAsync(Scheduled);

        Assert.Equal((EndStates.DoneWithWarnings, EndStates.WarningsExitCode), (execution.EndState, execution.Ecs!.ExitCode));
        Assert.Null(execution.Caught);
        Assert.Equal("⚠️ Sync Completed with Warnings", _slack.Headers[^1]);
        Assert.DoesNotContain("❌ Homebrew Bottles Sync Failed", _slack.Headers);
    }

    [Fact]
    public async Task EcsTask_Failing_EndsSyncFailed_AndTheOrchestratorSendsFailed()
    {
        // The task cannot bind its settings: it exits 2 before transferring anything.
        var (execution, services) = await EcsExecutionAsync(EnvVars.MaxConcurrentDownloads, "lots");
        using var _ = services;

        await execution.RunAsync(Scheduled);

        Assert.Equal(EndStates.SyncFailed, execution.EndState);
        Assert.Equal(2, execution.Ecs!.ExitCode);
        Assert.Equal("States.TaskFailed", execution.Caught!.Error);
        Assert.Equal("❌ Homebrew Bottles Sync Failed", _slack.Headers[^1]);
    }

    [Fact]
    public async Task PlanAboveTheDownloadLimit_IsRefusedByTheOrchestrator_BeforeItIsSaved_AndFailedIsSent()
    {
        // 8 bottles of 8,000 bytes: 64,000 bytes against a limit of about 10,700.
        var (execution, services) = await ExecutionAsync((EnvVars.MaxDownloadSizeGb, "0.00001"));
        using var _ = services;

        await execution.RunAsync(Scheduled);

        Assert.Equal((EndStates.SyncFailed, "PlanInputException"), (execution.EndState, execution.Caught!.Error));
        Assert.DoesNotContain(await KeysAsync(), k => k.StartsWith("plans/", StringComparison.Ordinal) || k.EndsWith(".tar.gz", StringComparison.Ordinal));
        Assert.Equal(["❌ Homebrew Bottles Sync Failed"], _slack.Headers);
        Assert.Equal("*Error Type:* Invalid Request", Field(0, 2));
        Assert.Contains("MAX_DOWNLOAD_SIZE_GB", _slack.Messages[0].RootElement.GetProperty("blocks")[2].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAboveTheDownloadLimit_IsRefusedByTheEcsTask_BeforeTheFirstByte_AndFailedIsSent()
    {
        // The orchestrator has no limit; the task, given one, checks the saved plan again.
        var (execution, services) = await EcsExecutionAsync(EnvVars.MaxDownloadSizeGb, "0.00001");
        using var _ = services;

        await execution.RunAsync(Scheduled);

        Assert.Equal((EndStates.SyncFailed, 2), (execution.EndState, execution.Ecs!.ExitCode));
        Assert.Contains("MAX_DOWNLOAD_SIZE_GB", execution.Ecs.Error, StringComparison.Ordinal);
        Assert.Equal(0, _homebrew.TotalBlobGets);
        Assert.DoesNotContain(await KeysAsync(), k => k.EndsWith(".tar.gz", StringComparison.Ordinal));
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "⚡ Large Download Detected", "❌ Homebrew Bottles Sync Failed"], _slack.Headers);
    }

    [Fact]
    public async Task FreshnessCheck_ReportsHoursSinceTheLastFinishedRun_AsTheMetricTheStaleAlarmWatches()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));
        var env = Env();
        using var services = await LambdaServices.CreateAsync(env, time, _log, CancellationToken.None);
        const string Check = """{"action":"check_freshness"}""";

        // Before any run finished there is no age to report, and no metric.
        var none = await StateMachineRun.InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), Check);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("mirror_age_hours").ValueKind);
        Assert.DoesNotContain("MirrorAgeHours", _log.ToString(), StringComparison.Ordinal);

        var execution = new StateMachineRun(prod.Machine, services, EcsEnvironment(env));
        await execution.RunAsync(Scheduled);
        Assert.Equal(EndStates.Done, execution.EndState);
        time.Advance(TimeSpan.FromHours(30));

        var age = await StateMachineRun.InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), Check);

        Assert.Equal(30, age.GetProperty("mirror_age_hours").GetDouble());
        var emf = _log.ToString().Split('\n').Single(l => l.Contains("\"MirrorAgeHours\"", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(emf);
        Assert.Equal(("prod", 30.0), (doc.RootElement.GetProperty("Environment").GetString(), doc.RootElement.GetProperty("MirrorAgeHours").GetDouble()));
        Assert.Contains("Mirror age: 30 h since the sync of 2026-11-29 finished (complete)", _log.ToString(), StringComparison.Ordinal);
        // The check sends nothing to Slack: only the run's own messages are there.
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "✅ Homebrew Bottles Sync Complete"], _slack.Headers);

        // A run that finishes with every new bottle failed (a registry refusing them all) leaves the mirror as old as it
        // was: its age runs on from the run that caught it up, not from this one, or the stale alarm could never fire.
        await RunWithEveryNewBottleFailingAsync("2.0", FaultKind.Unauthorized);
        time.Advance(TimeSpan.FromHours(10));

        var older = await StateMachineRun.InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), Check);

        Assert.Equal(40, older.GetProperty("mirror_age_hours").GetDouble());
        Assert.True(_log.ToString().Contains("Mirror age: 40 h since a sync last caught the mirror up, at 2026-11-29 03:00 UTC (the last, of 2026-11-30, failed 8 of 8 bottles)", StringComparison.Ordinal), _log.ToString());

        // Bottles upstream does not have fail every run alike: the mirror is as current as upstream lets it be, and a run
        // that fails only those catches it up (else a few dead bottles would keep the alarm firing on a current mirror).
        await RunWithEveryNewBottleFailingAsync("3.0", FaultKind.NotFound);
        time.Advance(TimeSpan.FromHours(5));

        Assert.Equal(5, (await StateMachineRun.InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), Check)).GetProperty("mirror_age_hours").GetDouble());

        // Every formula at a new version whose every bottle fails with the fault, run as the schedule runs it.
        async Task RunWithEveryNewBottleFailingAsync(string version, FaultKind fault)
        {
            var next = _formulae.Select(f => new FormulaBuilder(f.Name).WithVersion(version).WithBottles(Tags, 9_000).Build()).ToArray();
            _homebrew.SetFormulae(next);
            foreach (var bottle in next.SelectMany(f => f.Bottles.Values))
            {
                _homebrew.InjectFault(bottle.Sha256, fault, times: 100);
            }
            await new StateMachineRun(prod.Machine, services, EcsEnvironment(env)).RunAsync(Scheduled);
        }
    }

    [Fact]
    public async Task Prune_AsTheWeeklyRuleInvokesIt_RemovesWhatTheCatalogNoLongerResolvesTo()
    {
        var (execution, services) = await ExecutionAsync((EnvVars.SyncDate, "2025-07-21"));
        using var _ = services;
        await execution.RunAsync(Scheduled);
        Assert.Equal(EndStates.Done, execution.EndState);
        var before = await KeysAsync();
        // The catalog moves on: the first formula leaves it. With keep_days 0 its bottles go at once.
        _homebrew.SetFormulae(_formulae.Skip(1));

        var result = await StateMachineRun.InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), """{"action":"prune","keep_days":0}""");

        var gone = before.Except(await KeysAsync()).ToArray();
        Assert.Equal(gone.Length, result.GetProperty("removed").GetInt32());
        Assert.Contains(gone, k => k.Contains($"/{_formulae[0].Name}-", StringComparison.Ordinal));
        Assert.DoesNotContain(gone, k => k.Contains($"/{_formulae[1].Name}-", StringComparison.Ordinal));
        using var hash = await GetJsonAsync("bottles_hash.json");
        Assert.DoesNotContain(hash.RootElement.GetProperty("bottles").EnumerateObject(), p => p.Name.StartsWith(_formulae[0].Name + "-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prune_AsTheWeeklyRuleInvokesIt_WhileAWorkerHoldsTheStore_FailsNamingIt_AndRemovesNothing()
    {
        var (execution, services) = await ExecutionAsync((EnvVars.SyncDate, "2025-07-21"));
        using var _ = services;
        await execution.RunAsync(Scheduled);
        _homebrew.SetFormulae(_formulae.Skip(1));
        // A worker of another execution, mid-run: its lease, renewed a moment ago.
        var now = DateTimeOffset.UtcNow;
        var worker = new Core.Coordination.LeaseRecord("shared", "sync (saved plan)", "169.254.10.1", 8, now, now.AddMinutes(2));
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = $"leases/shared-{Guid.NewGuid():N}.json", InputStream = new MemoryStream(worker.ToBytes()) });
        var before = await KeysAsync();

        var busy = await Assert.ThrowsAsync<Core.Coordination.StoreBusyException>(
            () => StateMachineRun.InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), """{"action":"prune","keep_days":0}"""));

        Assert.Contains("in use by sync (saved plan) on 169.254.10.1 (pid 8)", busy.Message, StringComparison.Ordinal);
        Assert.Equal(before, await KeysAsync());
    }

    [Fact]
    public async Task WorkerFailure_IsCaughtAndTheOrchestratorSendsFailed()
    {
        var (execution, services) = await ExecutionAsync();
        using var _ = services;

        await execution.RunAsync(Scheduled, failWorkerOnInvocation: 1);

        Assert.Equal((EndStates.SyncFailed, "TimeoutException"), (execution.EndState, execution.Caught!.Error));
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "❌ Homebrew Bottles Sync Failed"], _slack.Headers);
        Assert.Equal("*Error Type:* Timeout", Field(1, 2));
        Assert.Equal("*Bottles Downloaded:* 0/8", Field(1, 4));
        var blocks = _slack.Messages[1].RootElement.GetProperty("blocks");
        Assert.Equal("*Error Details:*\n```\nTask timed out after 900.00 seconds\n```", blocks[2].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("https://console.aws.amazon.com/lambda/home?region=us-east-1#/functions/homebrew-sync-orchestrator",
            blocks[4].GetProperty("elements")[1].GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{}")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Manual Sync Trigger"}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Full Sync","detail":{}}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Manual Sync Trigger","detail":{"priority":"urgent"}}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Selective Sync","detail":{}}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Selective Sync","detail":{"formula_names":"curl"}}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Selective Sync","detail":{"formula_names":[]}}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Selective Sync","detail":{"formula_names":["../etc"]}}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Selective Sync","detail":{"formula_names":["curl"],"platforms":["Big Sur"]}}""")]
    [InlineData("""{"source":"homebrew.sync","detail-type":"Selective Sync","detail":{"formula_names":["curl"],"force_download":"yes"}}""")]
    [InlineData("""{"source":"manual","sync_type":"partial"}""")]
    [InlineData("""{"source":"manual","sync_type":"full","force_rebuild_hash":"false"}""")]
    [InlineData("""{"source":"manual","sync_type":"full","notification_channel":"homebrew"}""")]
    [InlineData("""{"action":"delete_everything"}""")]
    [InlineData("""{"action":"prune"}""")]
    [InlineData("""{"action":"prune","keep_days":-1}""")]
    [InlineData("""{"action":"notify_failure"}""")]
    [InlineData("""{"action":"notify_failure","error":{"Cause":"x"}}""")]
    [InlineData("""{"source":"aws.events","detail-type":"Object Created","detail":{}}""")]
    public async Task Orchestrator_BadPayload_FailsClearlyWritesNothingSendsNothing(string payload)
    {
        var (_, services) = await ExecutionAsync();
        using var _ = services;

        var ex = await Assert.ThrowsAsync<TriggerFormatException>(() => StateMachineRun.InvokeAsync<JsonElement>(new OrchestratorFunction(new(services)), payload));

        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.Empty(await KeysAsync());
        Assert.Equal(0, _slack.Requests);
        Assert.Equal(0, _homebrew.CatalogRequests);
    }

    [Fact]
    public async Task Worker_DirectTestInvocation_StoresTheGivenBottles()
    {
        var (_, services) = await ExecutionAsync();
        using var _ = services;
        var f = _formulae[2];
        var payload = JsonSerializer.Serialize(new
        {
            formulas = new[]
            {
                new { name = f.Name, version = f.Version, bottles = f.Bottles.ToDictionary(b => b.Key, b => new { url = _homebrew.BlobUrl(f, b.Key), sha256 = b.Value.Sha256, size = b.Value.Length }) },
            },
            sync_date = "2025-07-21",
        });

        var result = await StateMachineRun.InvokeAsync<WorkerResult>(new WorkerFunction(new(services)), payload);

        Assert.Equal((true, 2, 0), (result.Done, result.Stored, result.Failed));
        Assert.Contains($"2025-07-21/{f.FileName("monterey")}", await KeysAsync());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"plan_key":"../secrets"}""")]
    [InlineData("""{"plan_key":42}""")]
    [InlineData("""{"formulas":[],"sync_date":"2025-07-21"}""")]
    [InlineData("""{"formulas":[{"name":"curl","version":"8.2.1","bottles":{"arm64_sonoma":{"url":"https://x/y","sha256":"abc123..."}}}],"sync_date":"2025-07-21"}""")]
    [InlineData("""{"formulas":[{"name":"curl","version":"8.2.1","bottles":{}}],"sync_date":"21.07.2025"}""")]
    [InlineData("""{"hello":"world"}""")]
    public async Task Worker_BadPayload_FailsClearlyAndWritesNothing(string payload)
    {
        var (_, services) = await ExecutionAsync();
        using var _ = services;

        await Assert.ThrowsAsync<TriggerFormatException>(() => StateMachineRun.InvokeAsync<WorkerResult>(new WorkerFunction(new(services)), payload));

        Assert.Empty(await KeysAsync());
        Assert.Equal(0, _slack.Requests);
    }

    [Fact]
    public async Task Worker_UnknownPlan_IsAClearError()
    {
        var (_, services) = await ExecutionAsync();
        using var _ = services;

        var ex = await Assert.ThrowsAsync<PlanNotFoundException>(() =>
            StateMachineRun.InvokeAsync<WorkerResult>(new WorkerFunction(new(services)), """{"plan_key":"plans/2025-07-21/missing.json"}"""));

        Assert.Contains("plans/2025-07-21/missing.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Services_BadConfiguration_ListsEveryError()
    {
        var env = Env((EnvVars.S3BucketName, "Bad_Bucket"), (EnvVars.RetryAttempts, "3"), (EnvVars.DownloadTimeoutSeconds, "300"), (EnvVars.TimeBudgetSeconds, "840"), (EnvVars.SizeThresholdGb, "x"));

        var ex = await Assert.ThrowsAsync<SettingsException>(() => LambdaServices.CreateAsync(env, TimeProvider.System, _log, CancellationToken.None));

        Assert.Equal(3, ex.Errors.Count);
        Assert.Contains(ex.Errors, e => e.StartsWith("S3_BUCKET_NAME", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("exceed the time budget", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("SIZE_THRESHOLD_GB", StringComparison.Ordinal));
    }
}
