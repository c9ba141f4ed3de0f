using HomebrewSync.Adapters.Slack;
using HomebrewSync.Adapters.Http;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Registry;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Adapters.Tests.Notifications;

public sealed class SlackWebhookNotifierTests
{
    private static readonly SlackMessage Message = new("hello", [new HeaderBlock("hello")]);

    [Fact]
    public async Task NotifyAsync_RateLimitedThenServerError_IsRetriedAndDelivered()
    {
        await using var slack = await FakeSlackServer.StartAsync();
        slack.Fail(429, times: 1, retryAfterSeconds: 1);
        slack.Fail(503);
        using var http = HttpClientFactory.Create(new SyncSettings());
        var warnings = new List<string>();
        var notifier = new SlackWebhookNotifier(http, new SecretUrl(slack.WebhookUrl), null, null, TimeProvider.System, warnings.Add);

        await notifier.NotifyAsync(Message, CancellationToken.None);

        Assert.Equal(3, slack.Requests);
        Assert.Equal(["hello"], slack.Headers);
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task NotifyAsync_SlackDownOrRejecting_WarnsWithinTheBoundAndNeverShowsTheWebhook()
    {
        await using var slack = await FakeSlackServer.StartAsync();
        slack.Fail(500, times: 100);
        using var http = HttpClientFactory.Create(new SyncSettings());
        var warnings = new List<string>();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var notifier = new SlackWebhookNotifier(http, new SecretUrl(slack.WebhookUrl), null, null, time, warnings.Add, TimeSpan.FromSeconds(2));
        var unreachable = new SlackWebhookNotifier(http, new SecretUrl(new Uri("http://127.0.0.1:9/" + FakeSlackServer.SecretPath)), null, null, time, warnings.Add, TimeSpan.FromSeconds(2));

        // The back-off waits are on the injected clock: each attempt waits until the test moves it on.
        foreach (var target in new[] { notifier, unreachable })
        {
            var started = time.GetUtcNow();
            var send = target.NotifyAsync(Message, CancellationToken.None);
            while (!send.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.WhenAny(send, Task.Delay(5));
            }
            await send;
            // It gave up within the 2 s it may wait, plus the one back-off step that crossed the line.
            Assert.InRange(time.GetUtcNow() - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
        }

        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.DoesNotContain("XXXXXXXX", w, StringComparison.Ordinal));
        Assert.All(warnings, w => Assert.DoesNotContain("services/", w, StringComparison.Ordinal));
        Assert.Empty(slack.Messages);
    }
}
