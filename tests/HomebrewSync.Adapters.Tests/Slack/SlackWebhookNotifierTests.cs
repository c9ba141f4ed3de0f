using HomebrewSync.Adapters.Slack;
using HomebrewSync.Adapters.Http;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Registry;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Adapters.Tests.Slack;

public sealed class SlackWebhookNotifierTests
{
    private static readonly SlackMessage Message = new("hello", [new HeaderBlock("hello")]);
    private static readonly DateTimeOffset Start = new(2025, 7, 21, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task NotifyAsync_RateLimitedThenServerError_IsRetriedAndDelivered_WaitingTheRetryAfterOnTheInjectedClock()
    {
        await using var slack = await FakeSlackServer.StartAsync();
        slack.Fail(429, times: 1, retryAfterSeconds: 7);
        slack.Fail(503);
        using var http = HttpClientFactory.Create(new SyncSettings());
        var warnings = new List<string>();
        var time = new SteppingTimeProvider(Start);
        var notifier = new SlackWebhookNotifier(http, new SecretUrl(slack.WebhookUrl), null, null, time, warnings.Add);

        await time.RunAsync(notifier.NotifyAsync(Message, CancellationToken.None));

        Assert.Equal(3, slack.Requests);
        Assert.Equal(["hello"], slack.Headers);
        Assert.Empty(warnings);
        // Two waits on the injected clock: Slack's Retry-After as sent, then a back-off; nothing else moved it.
        Assert.Equal(2, time.Waits.Count);
        Assert.Equal(TimeSpan.FromSeconds(7), time.Waits[0]);
        Assert.Equal(Start + time.Waits[0] + time.Waits[1], time.GetUtcNow());
    }

    [Fact]
    public async Task NotifyAsync_SlackDownOrRejecting_WarnsWithinTheBoundAndNeverShowsTheWebhook()
    {
        await using var slack = await FakeSlackServer.StartAsync();
        slack.Fail(500, times: 100);
        using var http = HttpClientFactory.Create(new SyncSettings());
        var warnings = new List<string>();
        var bound = TimeSpan.FromSeconds(2);
        var time = new SteppingTimeProvider(Start);
        var notifier = new SlackWebhookNotifier(http, new SecretUrl(slack.WebhookUrl), null, null, time, warnings.Add, bound);
        var unreachable = new SlackWebhookNotifier(http, new SecretUrl(new Uri("http://127.0.0.1:9/" + FakeSlackServer.SecretPath)), null, null, time, warnings.Add, bound);

        // The back-off waits are on the injected clock, which moves only while the notifier waits.
        foreach (var target in new[] { notifier, unreachable })
        {
            var started = time.GetUtcNow();
            var waitsBefore = time.Waits.Count;

            await time.RunAsync(target.NotifyAsync(Message, CancellationToken.None));

            // It waited between attempts, and gave up when the bound cut a wait short or when the attempts ran out, whichever came first.
            var waited = time.Waits.Skip(waitsBefore).Aggregate(TimeSpan.Zero, (a, b) => a + b);
            Assert.NotEqual(TimeSpan.Zero, waited);
            Assert.Equal(waited < bound ? waited : bound, time.GetUtcNow() - started);
        }

        Assert.InRange(slack.Requests, 2, 4);
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.DoesNotContain("XXXXXXXX", w, StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.DoesNotContain("services/", w, StringComparison.Ordinal));
        Assert.Empty(slack.Messages);
    }
}
