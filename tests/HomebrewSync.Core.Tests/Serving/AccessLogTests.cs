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

    [Theory]
    [InlineData(2026, 12, 6, 10, 0, 0, 0, "2026-12-06T10:00:00.000Z")]
    [InlineData(987, 1, 2, 3, 4, 5, 67, "0987-01-02T03:04:05.067Z")]
    [InlineData(2027, 11, 30, 23, 59, 59, 999, "2027-11-30T23:59:59.999Z")]
    public void Line_Time_IsUtcToTheMillisecond(int year, int month, int day, int hour, int minute, int second, int millisecond, string expected)
    {
        var request = new MirrorRequest("GET", "/healthz", new Dictionary<string, string>(), IPAddress.Loopback);
        // Given at another offset: written in UTC.
        var at = new DateTimeOffset(year, month, day, hour, minute, second, millisecond, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(-5));

        using var parsed = JsonDocument.Parse(AccessLog.Line(request, MirrorResponse.Text(200, "ok"), TimeSpan.FromMilliseconds(1), at));

        Assert.Equal(expected, parsed.RootElement.GetProperty("time").GetString());
    }

    [Fact]
    public void Line_AfterALongLine_AShortOneCarriesNothingOfIt()
    {
        var longRequest = new MirrorRequest("GET", "/" + new string('x', 200), new Dictionary<string, string>(), IPAddress.Loopback, new string('u', 200));
        AccessLog.Line(longRequest, MirrorResponse.Text(404, "no"), TimeSpan.FromMilliseconds(1), At);
        var request = new MirrorRequest("HEAD", "/healthz", new Dictionary<string, string>(), IPAddress.Loopback);

        using var parsed = JsonDocument.Parse(AccessLog.Line(request, MirrorResponse.Text(200, "ok"), TimeSpan.FromMilliseconds(1), At));

        Assert.Equal("/healthz", parsed.RootElement.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, parsed.RootElement.GetProperty("user_agent").ValueKind);
    }
}
