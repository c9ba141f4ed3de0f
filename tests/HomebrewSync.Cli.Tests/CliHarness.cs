using HomebrewSync.Cli;

namespace HomebrewSync.Cli.Tests;

public sealed record CliRun(int ExitCode, string Out, string Error);

/// <summary>Runs the command line in-process against a fake server, with a temp store, as a user would configure it.</summary>
public sealed class CliHarness : IAsyncDisposable
{
    private CliHarness(FakeHomebrewServer server, string store)
    {
        Server = server;
        Store = store;
    }

    public FakeHomebrewServer Server { get; }
    public string Store { get; }

    public static async Task<CliHarness> StartAsync(IEnumerable<FakeFormula> formulae)
    {
        var server = await FakeHomebrewServer.StartAsync(formulae);
        var store = Path.Combine(Path.GetTempPath(), "hbs-test-" + Guid.NewGuid().ToString("N"));
        return new CliHarness(server, store);
    }

    /// <summary>A harness whose store a first sync has filled (sync date <paramref name="date"/>), for tests of what reads a mirror.</summary>
    public static async Task<CliHarness> SyncedAsync(IEnumerable<FakeFormula> formulae, string date = "2025-07-21")
    {
        var h = await StartAsync(formulae);
        var sync = await h.RunAsync("sync", "--date", date);
        Assert.True(sync.ExitCode == 0, sync.Error);
        return h;
    }

    /// <summary>The reference's target tags, which the tests' catalogs are built around.</summary>
    public const string ReferenceTags = "arm64_sonoma,arm64_ventura,monterey";

    /// <summary>Environment a user would set for this server: the catalog URL, the tags to mirror, fast retries.</summary>
    public Dictionary<string, string?> Environment() => new(StringComparer.Ordinal)
    {
        ["HOMEBREW_API_URL"] = Server.ApiUrl.AbsoluteUri,
        // The fake registry is on 127.0.0.1: the token goes to it only because it is named a registry host.
        ["HOMEBREW_REGISTRY_HOSTS"] = "127.0.0.1",
        ["TARGET_PLATFORMS"] = ReferenceTags,
        ["HOMEBREW_SYNC_STORE"] = Store,
        ["RETRY_DELAY_SECONDS"] = "0.05",
        ["DOWNLOAD_TIMEOUT_SECONDS"] = "60",
    };

    public async Task<CliRun> RunAsync(params string[] args) => await RunAsync(Environment(), args);

    public static Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> env, params string[] args) => RunAsync(env, TimeProvider.System, args);

    /// <summary>
    /// The CLI in this process on the given clock (a FakeTimeProvider: intervals, timeouts and retry delays pass only when the
    /// test advances it). A run still going after <see cref="HangGuard"/> of real time fails the test, naming the command,
    /// instead of holding the test run until it is cut off with nothing said.
    /// </summary>
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> env, TimeProvider time, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var run = CliApp.RunAsync(args, env, new CliConsole(stdout, stderr, Interactive: false), time, CancellationToken.None);
        using var guard = new CancellationTokenSource();
        var ended = await Task.WhenAny(run, Task.Delay(HangGuard, guard.Token));
        await guard.CancelAsync();
        if (ended != run)
        {
            throw new TimeoutException($"homebrew-sync {string.Join(' ', args)} had not ended after {HangGuard.TotalMinutes:0} minutes");
        }
        return new CliRun(await run, stdout.ToString(), stderr.ToString());
    }

    /// <summary>How long (real time) a command run in this process may take before its test fails as hung: far beyond any test's.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    /// <summary>Waits (on the wall clock, for at most a minute) until something the run does has happened.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!condition())
        {
            await Task.Delay(10, limit.Token).ContinueWith(t => t.IsCanceled ? throw new TimeoutException("never happened: " + what) : t, TaskScheduler.Default).Unwrap();
        }
    }

    public string PathOf(string relative) => System.IO.Path.Combine(Store, relative);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Directory.Exists(Store))
        {
            Directory.Delete(Store, recursive: true);
        }
    }
}
