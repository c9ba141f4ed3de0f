using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace HomebrewSync.Cli.Tests;

/// <summary>
/// <c>serve</c> as a process: a client that goes away in the middle of a bottle still gets its access-log line and its count
/// in <c>/metrics</c> (status 499, as nginx logs it, with the bytes that were sent), and no store error is claimed.
/// </summary>
public sealed class ServeAbortedRequestTests : IAsyncLifetime
{
    private const long BottleSize = 32L << 20;
    private readonly BrewClient _brew = new();
    private CliHarness _h = null!;
    private FakeFormula[] _formulae = null!;

    public async Task InitializeAsync()
    {
        // Larger than what the two sockets' buffers can hold, so serve is still sending when the client leaves.
        _formulae = [new FormulaBuilder("llvm").WithVersion("20.1.0").WithBottle("all", BottleSize).Build()];
        _h = await CliHarness.SyncedAsync(_formulae);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _brew.Dispose();
    }

    [Fact]
    public async Task ClientLeavingMidBottle_IsLoggedAndCountedAs499_WithTheBytesSent()
    {
        await using var serve = await ServeProcess.StartAsync(_h.Environment());
        var path = "/" + BrewClient.Bottle.Of(_formulae).Single().FileName;

        using (var client = new TcpClient { ReceiveBufferSize = 4096 })
        {
            await client.ConnectAsync(serve.Url.Host, serve.Url.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: mirror\r\n\r\n"));
            var first = new byte[4096];
            Assert.True(await stream.ReadAsync(first) > 0);
            // Gone without reading the rest: a reset, as a killed curl leaves.
            client.Client.LingerState = new LingerOption(true, 0);
        }

        var line = await AccessLineAsync(serve, path);
        Assert.Equal(499, line.GetProperty("status").GetInt32());
        Assert.InRange(line.GetProperty("bytes").GetInt64(), 0, BottleSize - 1);
        Assert.DoesNotContain("could not be read", serve.Error, StringComparison.Ordinal);
        using var metrics = await _brew.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(serve.Url, "/metrics")));
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("homebrew_sync_serve_requests_total{protocol=\"bottle_domain\",route=\"bottle\",status=\"499\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("homebrew_sync_serve_bottles_sent_total 0", text, StringComparison.Ordinal);
    }

    /// <summary>serve's access-log line for <paramref name="path"/>, once it has been written.</summary>
    private static async Task<JsonElement> AccessLineAsync(ServeProcess serve, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var line = serve.Error.Split('\n').FirstOrDefault(l => l.StartsWith('{') && l.Contains($"\"path\":\"{path}\"", StringComparison.Ordinal));
            if (line is not null)
            {
                return JsonDocument.Parse(line).RootElement.Clone();
            }
            Assert.True(DateTime.UtcNow < deadline, string.Create(CultureInfo.InvariantCulture, $"no access-log line for {path}:\n{serve.Error}"));
            await Task.Delay(50);
        }
    }
}
