using System.Net;
using Microsoft.AspNetCore.Http;
using System.Net.Sockets;
using System.Text;
using HomebrewSync.Adapters.Slack;
using HomebrewSync.Adapters.Http;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Registry;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

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

    [Theory]
    [InlineData(400)]
    [InlineData(200)]
    public async Task NotifyAsync_AnAnswerWithAHugeBody_ReadsOnlyItsStart_NeverBuffersIt(int status)
    {
        // A webhook URL that reaches a hostile or broken host: its answer announces and sends 256 MiB. A raw socket, so
        // what is counted is what the kernel took for a client still reading (a closed one makes the send fail).
        const long Body = 256L << 20;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var request = new byte[64 * 1024];
            var received = 0;
            while (!Encoding.ASCII.GetString(request, 0, received).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                received += await socket.ReceiveAsync(request.AsMemory(received));
            }
            await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {Body}\r\n\r\n"));
            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill((byte)'x');
            long sent = 0;
            try
            {
                while (sent < Body)
                {
                    sent += await socket.SendAsync(chunk);
                }
            }
            catch (SocketException)
            {
                // The client closed the connection: what this test wants.
            }
            return sent;
        });
        using var http = HttpClientFactory.Create(new SyncSettings());
        var warnings = new List<string>();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/{FakeSlackServer.SecretPath}");
        var notifier = new SlackWebhookNotifier(http, new SecretUrl(url), null, null, TimeProvider.System, warnings.Add);

        await notifier.NotifyAsync(Message, CancellationToken.None);

        // The connection was closed after the headers (and, for a rejection, its reason's first bytes): the server got no
        // further than the sockets' buffers hold.
        Assert.InRange(await server.WaitAsync(TimeSpan.FromSeconds(60)), 0, 32L << 20);
        if (status == 200)
        {
            Assert.Empty(warnings);
        }
        else
        {
            var warning = Assert.Single(warnings);
            Assert.Contains("HTTP 400 xxxxxxxx", warning, StringComparison.Ordinal);
            Assert.InRange(warning.Length, 0, 1_000);
        }
    }

    [Fact]
    public async Task NotifyAsync_ARejectionCutOffMidReason_IsAWarning_NeverAnErrorOfTheSync()
    {
        // A 400 announcing a 100-byte reason that sends 50 and closes: the read fails, the delivery only warns.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                using var socket = await listener.AcceptSocketAsync();
                var request = new byte[64 * 1024];
                var received = 0;
                while (!Encoding.ASCII.GetString(request, 0, received).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    received += await socket.ReceiveAsync(request.AsMemory(received));
                }
                await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 X\r\nContent-Length: 100\r\n\r\n" + new string('x', 50)));
                socket.Shutdown(SocketShutdown.Both);
            }
        });
        using var http = HttpClientFactory.Create(new SyncSettings());
        var warnings = new List<string>();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/{FakeSlackServer.SecretPath}");
        var notifier = new SlackWebhookNotifier(http, new SecretUrl(url), null, null, TimeProvider.System, warnings.Add);

        await notifier.NotifyAsync(Message, CancellationToken.None);

        var warning = Assert.Single(warnings);
        Assert.Contains("HTTP 400", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cannot POST /{0}")]
    [InlineData("<html>no route for {1}</html>")]
    [InlineData("unknown hook: {2}")]
    public async Task NotifyAsync_AnAnswerRepeatingTheWebhooksPath_IsWarnedOfWithoutIt(string body)
    {
        // A relay, proxy or framework's 404 page echoing what it was asked for: the webhook's path is the secret.
        var secret = FakeSlackServer.SecretPath.Split('/')[^1];
        await using var host = await LoopbackHost.StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, body,
                FakeSlackServer.SecretPath, Uri.EscapeDataString("/" + FakeSlackServer.SecretPath), secret));
        });
        using var http = HttpClientFactory.Create(new SyncSettings());
        var warnings = new List<string>();
        var notifier = new SlackWebhookNotifier(http, new SecretUrl(new Uri(host.Url, FakeSlackServer.SecretPath)), null, null, TimeProvider.System, warnings.Add);

        await notifier.NotifyAsync(Message, CancellationToken.None);

        var warning = Assert.Single(warnings);
        Assert.Contains("HTTP 404", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("XXXXXXXX", warning, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("T00000000", warning, StringComparison.Ordinal);
    }
}
