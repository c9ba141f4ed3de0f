using System.Net;
using System.Text.Json;
using HomebrewSync.Core.Serving;

namespace HomebrewSync.Core.Tests.Serving;

public sealed class AccessLogTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Line_APullReasonNamingAHugeFileName_IsClipped()
    {
        // A client's file name of 8,000 '+' (Kestrel's request line allows it; JSON writes each '+' in six bytes), echoed in the reason.
        var name = new string('+', 8_000);
        var request = new MirrorRequest("HEAD", "/" + name, new Dictionary<string, string>(), IPAddress.Loopback);
        var response = MirrorResponse.Text(404, "not found") with { Pull = PullOutcome.NotInCatalog($"the current catalog names no bottle {name} for this mirror's tags (arm64_sonoma)") };

        var line = AccessLog.Line(request, response, TimeSpan.FromMilliseconds(3), At);

        using var parsed = JsonDocument.Parse(line);
        var pull = parsed.RootElement.GetProperty("pull");
        Assert.Equal("not_in_catalog", pull.GetProperty("outcome").GetString());
        var reason = pull.GetProperty("reason").GetString()!;
        Assert.StartsWith("the current catalog names no bottle +++", reason, StringComparison.Ordinal);
        Assert.InRange(reason.Length, 0, AccessLog.MaxReason + 40);
        Assert.InRange(line.Length, 0, 6 * (AccessLog.MaxReason + AccessLog.MaxClientField) + 1_000);
    }

    [Fact]
    public void Line_AShortPullReason_IsWrittenWhole()
    {
        var request = new MirrorRequest("GET", "/a-1.0.arm64_sonoma.bottle.tar.gz", new Dictionary<string, string>(), IPAddress.Loopback);
        var response = MirrorResponse.Text(502, "failed") with { Pull = PullOutcome.Failed("connection refused (ghcr.io:443)") };

        using var parsed = JsonDocument.Parse(AccessLog.Line(request, response, TimeSpan.FromMilliseconds(3), At));

        Assert.Equal("connection refused (ghcr.io:443)", parsed.RootElement.GetProperty("pull").GetProperty("reason").GetString());
    }
}
