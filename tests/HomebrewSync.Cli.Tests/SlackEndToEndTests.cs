using System.Text;

namespace HomebrewSync.Cli.Tests;

public sealed class SlackEndToEndTests
{
    private static readonly string[] Tags = ["arm64_sonoma", "monterey"];

    /// <summary>The harness's environment with the webhook where a user gives it (it is a secret: the environment, not an argument).</summary>
    private static Dictionary<string, string?> WithSlack(CliHarness h, FakeSlackServer slack)
    {
        var env = h.Environment();
        env["SLACK_WEBHOOK_URL"] = slack.WebhookUrl.AbsoluteUri;
        return env;
    }

    [Fact]
    public async Task Sync_WithWebhook_SendsStartedAndCompleteFromTheRunsData_AfterA429()
    {
        var formulae = Enumerable.Range(0, 3).Select(i => new FormulaBuilder($"tool{i}").WithVersion("2.0").WithBottles(Tags, 10_000 * (i + 1)).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        await using var slack = await FakeSlackServer.StartAsync();
        slack.Fail(429, times: 1, retryAfterSeconds: 1);

        var run = await CliHarness.RunAsync(WithSlack(h, slack), "sync", "--platform", "arm64_sonoma,monterey", "--date", "2025-07-21", "--environment", "staging");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "✅ Homebrew Bottles Sync Complete"], slack.Headers);
        var started = slack.Messages[0].RootElement.GetProperty("blocks")[1].GetProperty("fields");
        Assert.Equal("*Environment:* staging", started[0].GetProperty("text").GetString());
        Assert.Equal("*Estimated Bottles:* 6", started[2].GetProperty("text").GetString());
        Assert.Equal("*Estimated Size:* 117.2 KB", started[3].GetProperty("text").GetString());
        var complete = slack.Messages[1].RootElement.GetProperty("blocks");
        Assert.Equal("*New Bottles:* 6", complete[1].GetProperty("fields")[2].GetProperty("text").GetString());
        Assert.Equal($"*Location:* `{h.Store}/2025-07-21/`", complete[2].GetProperty("text").GetProperty("text").GetString());
        Assert.StartsWith("*Top Downloaded Formulas:*\n• tool2@2.0 (arm64_sonoma, monterey)", complete[3].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, slack.Requests);
    }

    [Fact]
    public async Task Sync_WithFailures_SendsCompletedWithWarningsListingThem()
    {
        var good = new FormulaBuilder("good").WithBottle("monterey").Build();
        var bad = new FormulaBuilder("opencv").WithVersion("4.8.0").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([good, bad]);
        h.Server.InjectFault(bad.Bottles["monterey"].Sha256, FaultKind.WrongBytes);
        await using var slack = await FakeSlackServer.StartAsync();

        var run = await CliHarness.RunAsync(WithSlack(h, slack), "sync", "--platform", "monterey");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal("⚠️ Sync Completed with Warnings", slack.Headers[^1]);
        var blocks = slack.Messages[^1].RootElement.GetProperty("blocks");
        Assert.Equal("*Successful:* 1/2 bottles", blocks[1].GetProperty("fields")[2].GetProperty("text").GetString());
        Assert.Equal("*Success Rate:* 50.0%", blocks[1].GetProperty("fields")[4].GetProperty("text").GetString());
        Assert.Equal("*Failed Downloads:*\n• opencv@4.8.0 (monterey) - SHA mismatch", blocks[2].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Sync_RunStatusRefusedByTheStore_SendsCompletedWithWarningsNamingIt()
    {
        // Exit 3 with every bottle stored: the message must not say "complete" while the store's status is missing.
        var good = new FormulaBuilder("good").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([good]);
        Directory.CreateDirectory(h.PathOf("status/last-run.json"));
        await using var slack = await FakeSlackServer.StartAsync();

        var run = await CliHarness.RunAsync(WithSlack(h, slack), "sync", "--platform", "monterey");

        Assert.True(run.ExitCode == 3, run.Error);
        Assert.Equal("⚠️ Sync Completed with Warnings", slack.Headers[^1]);
        var texts = slack.Messages[^1].RootElement.GetProperty("blocks").EnumerateArray()
            .Where(b => b.TryGetProperty("text", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.Object)
            .Select(b => b.GetProperty("text").GetProperty("text").GetString()!).ToArray();
        Assert.Contains(texts, t => t.StartsWith("*Status documents not written (left as they are in the store; remove what is in their place):*\n• status/last-run.json: ", StringComparison.Ordinal));
        Assert.Contains("*Recommendation:* Every bottle is stored; the next sync retries what is listed above.", texts);
        Assert.True(Directory.Exists(h.PathOf("status/last-run.json")));
    }

    [Fact]
    public async Task Sync_MalformedCatalog_SendsFailed()
    {
        await using var h = await CliHarness.StartAsync([]);
        h.Server.SetCatalogBody(Encoding.UTF8.GetBytes("[{\"name\": "));
        await using var slack = await FakeSlackServer.StartAsync();

        var run = await CliHarness.RunAsync(WithSlack(h, slack), "sync");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["❌ Homebrew Bottles Sync Failed"], slack.Headers);
        var fields = slack.Messages[0].RootElement.GetProperty("blocks")[1].GetProperty("fields");
        Assert.Equal("*Error Type:* Malformed Catalog", fields[2].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Sync_LongTransfer_SendsOneProgressUpdatePerInterval_OnTheInjectedClock()
    {
        var slow = new FormulaBuilder("slow").WithVersion("20.5.1").WithBottle("monterey", 100_000).Build();
        await using var h = await CliHarness.StartAsync([slow]);
        h.Server.InjectFault(slow.Bottles["monterey"].Sha256, FaultKind.Stall);
        await using var slack = await FakeSlackServer.StartAsync();
        var env = WithSlack(h, slack);
        env["DOWNLOAD_TIMEOUT_SECONDS"] = "30";
        // No back-off: the retry starts the moment the stalled attempt times out, with no wait for the test to move past.
        env["RETRY_DELAY_SECONDS"] = "0";
        // Shorter than the Slack client's own 10 s attempt timeout (same clock): advancing it never times out a send in flight.
        env["PROGRESS_UPDATE_INTERVAL"] = "5";
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        int Progress() => slack.Messages.Count(m => m.RootElement.GetProperty("text").GetString() == "⏳ Homebrew Sync Progress Update");

        var run = CliHarness.RunAsync(env, time, "sync", "--platform", "monterey");
        // The bottle's transfer has begun and stalls half way: nothing moves until the clock does.
        await CliHarness.UntilAsync(() => h.Server.BlobGets(slow.Bottles["monterey"].Sha256) == 1, "the blob request");
        Assert.Equal(0, Progress());
        time.Advance(TimeSpan.FromSeconds(5));
        await CliHarness.UntilAsync(() => Progress() == 1, "the first progress update");
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, Progress());
        time.Advance(TimeSpan.FromSeconds(1));
        await CliHarness.UntilAsync(() => Progress() == 2, "the second progress update");
        // One update per interval up to 25 s, each seen before the clock moves on.
        for (var n = 3; n <= 5; n++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await CliHarness.UntilAsync(() => Progress() >= n, $"progress update {n}");
        }
        Assert.Equal(5, Progress());
        // At 30 s the attempt times out and the retry starts at once; the clock stays put from here, so the retry
        // (which gets the whole bottle) cannot time out however slow this machine is.
        time.Advance(TimeSpan.FromSeconds(5));

        var result = await run.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Error);
        var progress = slack.Messages.Where(m => m.RootElement.GetProperty("text").GetString() == "⏳ Homebrew Sync Progress Update").ToArray();
        var fields = progress[0].RootElement.GetProperty("blocks")[1].GetProperty("fields");
        Assert.Equal("*Downloaded:* 0/1 bottles (0%)", fields[0].GetProperty("text").GetString());
        Assert.Equal("*Current:* downloading slow@20.5.1", fields[5].GetProperty("text").GetString());
        Assert.Equal(2, h.Server.BlobGets(slow.Bottles["monterey"].Sha256));
    }

    [Fact]
    public async Task Sync_SlackFailing_NeverPrintsTheWebhookAndTheSyncSucceeds()
    {
        var f = new FormulaBuilder("curl").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([f]);
        await using var slack = await FakeSlackServer.StartAsync();
        slack.Fail(500, times: 1000);
        var env = WithSlack(h, slack);
        env["SLACK_MAX_WAIT_SECONDS"] = "2";

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--json");
        var bad = await CliHarness.RunAsync(env, "sync", "--platform", "nope_tag");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Contains("not delivered", run.Error, StringComparison.Ordinal);
        foreach (var text in new[] { run.Out, run.Error, bad.Out, bad.Error })
        {
            Assert.DoesNotContain(FakeSlackServer.SecretPath, text, StringComparison.Ordinal);
            Assert.DoesNotContain("XXXXXXXXXXXX", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sync_SlackAskingToRetryInWeeks_IsWarnedOfWithinTheBound_AndTheSyncSucceeds()
    {
        // A Retry-After of 58 days is past what a wait can be given: taken as it was sent, it ended the run with an error.
        var f = new FormulaBuilder("curl").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([f]);
        await using var slack = await FakeSlackServer.StartAsync();
        slack.Fail(429, times: 1000, retryAfterSeconds: 5_000_000);
        var env = WithSlack(h, slack);
        env["SLACK_MAX_WAIT_SECONDS"] = "1";

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.Contains("not delivered", run.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(h.PathOf($"2025-07-21/{f.FileName("monterey")}")));
    }

    [Theory]
    [InlineData("--slack-webhook", "{0}")]
    [InlineData("--slack-webhook={0}", null)]
    public async Task Sync_WebhookAsAnArgument_IsRefusedBeforeAnythingRuns_WithoutEchoingIt(string option, string? value)
    {
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("curl").WithBottle("monterey").Build()]);
        await using var slack = await FakeSlackServer.StartAsync();
        var webhook = slack.WebhookUrl.AbsoluteUri;
        string[] args = value is null ? ["sync", string.Format(System.Globalization.CultureInfo.InvariantCulture, option, webhook)] : ["sync", option, webhook];

        var run = await CliHarness.RunAsync(h.Environment(), args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--slack-webhook: its value is a secret; set SLACK_WEBHOOK_URL instead", run.Error, StringComparison.Ordinal);
        Assert.Contains("SLACK_WEBHOOK_URL", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSlackServer.SecretPath, run.Out + run.Error, StringComparison.Ordinal);
        Assert.Equal(0, slack.Requests);
        Assert.False(Directory.Exists(h.Store) && Directory.EnumerateFileSystemEntries(h.Store).Any());
    }

    [Fact]
    public async Task Sync_Metrics_AreOneEmbeddedMetricFormatLine()
    {
        var f = new FormulaBuilder("curl").WithBottles(Tags, 2048).Build();
        await using var h = await CliHarness.StartAsync([f]);

        var run = await h.RunAsync("sync", "--platform", "arm64_sonoma,monterey", "--date", "2025-07-21", "--metrics", "--environment", "prod", "--json");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        var line = Assert.Single(run.Error.Split('\n'), l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal));
        using var emf = JsonDocument.Parse(line);
        var root = emf.RootElement;
        var directives = root.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray().ToArray();
        Assert.All(directives, d => Assert.Equal("HomebrewSync", d.GetProperty("Namespace").GetString()));
        Assert.Equal(["BottlesDownloaded", "BottlesFailed", "BottlesSkipped", "SyncDuration", "DownloadSize"],
            directives.SelectMany(d => d.GetProperty("Metrics").EnumerateArray().Select(m => m.GetProperty("Name").GetString())));
        Assert.Equal(2, root.GetProperty("BottlesDownloaded").GetInt32());
        Assert.Equal(4096, root.GetProperty("DownloadSize").GetInt64());
        Assert.Equal("prod", root.GetProperty("Environment").GetString());
        Assert.Equal("2025-07-21", root.GetProperty("SyncDate").GetString());
        using var _ = JsonDocument.Parse(run.Out);
    }
}
