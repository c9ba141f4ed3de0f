using System.Text.Json;
using System.Text.Json.Nodes;
using HomebrewSync.Adapters.Slack;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Adapters.Tests.Slack;

/// <summary>The webhook payload: the reference's JSON, property for property, and within Slack's Block Kit limits.</summary>
public sealed class SlackJsonTests
{
    public static TheoryData<string> References() =>
        [ReferenceMessages.Started, ReferenceMessages.LargeDownload, ReferenceMessages.Progress, ReferenceMessages.Complete, ReferenceMessages.Failed, ReferenceMessages.Warnings];

    // Core's tests compare messages with the reference read back by ReferenceMessageReader; this holds the writer to the same JSON.
    [Theory]
    [MemberData(nameof(References))]
    public void Serialize_ReferenceMessage_WritesTheReferencePayload(string reference)
    {
        var written = JsonNode.Parse(SlackJson.Serialize(ReferenceMessageReader.Read(reference)))!;

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(reference), written), written.ToString());
    }

    [Fact]
    public void Serialize_ChannelAndUsername_ComeBeforeTheText()
    {
        var written = JsonNode.Parse(SlackJson.Serialize(new SlackMessage("hi", [new HeaderBlock("hi")]), "#mirror", "bot"))!.AsObject();

        Assert.Equal(["channel", "username", "text", "blocks"], written.Select(p => p.Key));
    }

    [Fact]
    public void Serialize_LimitedMessagesOfAHugeRun_StayWithinSlacksLimits()
    {
        var settings = new NotificationSettings { Environment = new string('e', 3000), Region = "us-east-1" };
        var bottles = Enumerable.Range(0, 5000).Select(i => new PlannedBottle
        {
            Key = $"x{i}", FormulaName = new string('x', 120) + i, FormulaVersion = new string('9', 60), Platform = "arm64_sonoma",
            Sha256 = new string('a', 64), Url = "https://ghcr.io/x", ObjectKey = $"2025-07-21/x{i}.bottle.tar.gz", Size = 1,
        }).ToArray();
        var failures = bottles.Select(b => new BottleFailure(b, FailureKind.ShaMismatch, new string('r', 5000))).ToArray();
        var messages = new[]
        {
            SlackMessages.CompletedWithWarnings(settings, "2025-07-21", 1, 5001, TimeSpan.FromDays(3), failures),
            SlackMessages.Complete(settings, "2025-07-21", 5000, 0, long.MaxValue / 2, TimeSpan.FromDays(30), "s3://" + new string('b', 4000) + "/", bottles, DateTimeOffset.UnixEpoch),
            SlackMessages.Failed(settings, "2025-07-21", new string('t', 500), TimeSpan.Zero, 0, 5000, 0, string.Concat(Enumerable.Repeat("line of detail\n", 2000))),
        };

        foreach (var m in messages)
        {
            using var doc = JsonDocument.Parse(SlackJson.Serialize(SlackLimits.Apply(m)));
            Assert.Null(FakeSlackServer.Violation(doc.RootElement));
        }
    }
}
