using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Notifications;

public sealed class SlackMessagesTests
{
    private const long GB = 1L << 30;

    // The reference's run is on Monday 2025-07-21 and names Monday 2025-07-28 as the next sync: a Monday schedule.
    private static readonly NotificationSettings Prod = new()
    {
        Environment = "prod",
        Region = "us-east-1",
        SyncMethod = "Lambda",
        Trigger = "Scheduled",
        SizeThresholdGb = 20,
        EcsClusterName = "homebrew-sync",
        OrchestratorFunctionName = "homebrew-sync-orchestrator",
        ScheduleExpression = "cron(0 3 ? * MON *)",
    };

    // The reference is a webhook payload; read back into blocks here (the Slack adapter's tests check it writes the same payload).
    private static void AssertSameAsReference(string reference, SlackMessage message) =>
        Assert.Equal(ReferenceMessageReader.Lines(ReferenceMessageReader.Read(reference)), ReferenceMessageReader.Lines(message));

    private static PlannedBottle Bottle(string name, string version, string platform, long size = 1) => new()
    {
        Key = $"{name}-{version}-{platform}", FormulaName = name, FormulaVersion = version, Platform = platform, Serves = [platform],
        Sha256 = new string('a', 64), Url = "https://ghcr.io/x", ObjectKey = $"2025-07-21/{name}-{version}.{platform}.bottle.tar.gz", Size = size,
    };

    [Fact]
    public void Started_MatchesTheReference()
    {
        var m = SlackMessages.Started(Prod, "2025-07-21", 1247, (long)(15.3 * GB), new DateTimeOffset(2025, 7, 21, 3, 0, 15, TimeSpan.Zero));

        AssertSameAsReference(ReferenceMessages.Started, m);
    }

    [Fact]
    public void LargeDownload_MatchesTheReference()
    {
        var m = SlackMessages.LargeDownload(Prod, "2025-07-21", (long)(47.8 * GB), 2156);

        AssertSameAsReference(ReferenceMessages.LargeDownload, m);
    }

    [Fact]
    public void Complete_WithAMirrorUrl_SaysHowToPointBrewAtIt_AndTheTargetsABottleServes()
    {
        var served = Bottle("oldie", "0.9", "arm64_monterey", 100) with { Serves = ["arm64_tahoe", "arm64_sonoma"] };
        var m = SlackMessages.Complete(Prod with { MirrorUrl = new Uri("https://abc.lambda-url.us-east-1.on.aws/") }, "2025-07-21", 1, 0, 100, TimeSpan.FromSeconds(5),
            "s3://homebrew-bottles-prod/2025-07-21/", [served], new DateTimeOffset(2025, 7, 21, 3, 8, 0, TimeSpan.Zero));

        var text = string.Join("\n", m.Blocks.OfType<TextBlock>().Select(b => b.Text));
        Assert.Contains("• oldie@0.9 (arm64_sonoma, arm64_tahoe)", text, StringComparison.Ordinal);
        Assert.Contains("`export HOMEBREW_BOTTLE_DOMAIN=https://abc.lambda-url.us-east-1.on.aws`", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_WithAMirrorUrlCarryingCredentials_ShowsThemMasked()
    {
        var m = SlackMessages.Complete(Prod with { MirrorUrl = new Uri("https://fleet:M1rr0rS3cret@mirror.corp.example/") }, "2025-07-21", 1, 0, 100, TimeSpan.FromSeconds(5),
            "s3://homebrew-bottles-prod/2025-07-21/", [], new DateTimeOffset(2025, 7, 21, 3, 8, 0, TimeSpan.Zero));

        var text = string.Join("\n", m.Blocks.OfType<TextBlock>().Select(b => b.Text));
        Assert.Contains("`export HOMEBREW_BOTTLE_DOMAIN=https://***@mirror.corp.example`", text, StringComparison.Ordinal);
        Assert.DoesNotContain("M1rr0rS3cret", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_MatchesTheReference()
    {
        var stored = new[]
        {
            Bottle("node", "20.5.1", "arm64_sonoma", 900), Bottle("node", "20.5.1", "arm64_ventura", 900), Bottle("node", "20.5.1", "monterey", 900),
            Bottle("python", "3.11", "arm64_ventura", 700), Bottle("python", "3.11", "arm64_sonoma", 700),
            Bottle("curl", "8.2.1", "arm64_sonoma", 500), Bottle("wget", "1.21.4", "monterey", 400), Bottle("git", "2.41.0", "arm64_ventura", 300),
            Bottle("jq", "1.7", "monterey", 10),
        };

        var m = SlackMessages.Complete(Prod, "2025-07-21", 143, 2013, (long)(3.2 * GB), TimeSpan.FromSeconds(514),
            "s3://homebrew-bottles-prod/2025-07-21/", stored, new DateTimeOffset(2025, 7, 21, 3, 8, 42, TimeSpan.Zero));

        AssertSameAsReference(ReferenceMessages.Complete, m);
    }

    [Fact]
    public void Complete_SaysWhoAskedAndHowUrgently_AndTheMirrorByTargetTag()
    {
        IReadOnlyList<TargetCoverage> byTarget =
        [
            new("arm64_tahoe", 812, 0, [("arm64_sequoia", 37), ("all", 120)]),
            new("arm64_sonoma", 1_204, 0, []),
        ];

        var m = SlackMessages.Complete(Prod, "2025-07-21", 143, 2013, GB, TimeSpan.FromMinutes(8), "s3://homebrew-bottles-prod/2025-07-21/", [],
            new DateTimeOffset(2025, 7, 21, 3, 8, 42, TimeSpan.Zero), byTarget, "admin@company.com", "high");

        Assert.Equal("*Mirror by Target Tag:*\n• arm64_tahoe: 812 bottles, 37 via arm64_sequoia, 120 `all`\n• arm64_sonoma: 1,204 bottles",
            Assert.IsType<TextBlock>(m.Blocks[3]).Text);
        Assert.Equal("Hash file updated successfully • Next sync: 2025-07-28 03:00 UTC • Requested by admin@company.com • Priority high",
            Assert.IsType<ContextBlock>(m.Blocks[^1]).Elements[0]);
    }

    [Theory]
    [InlineData("admin@company.com", "high", "Requested by admin@company.com • Priority high")]
    [InlineData(null, "low", "Priority low")]
    [InlineData("ops", null, "Requested by ops")]
    public void FailedAndCompletedWithWarnings_EndWithWhoAskedAndHowUrgently(string? requestedBy, string? priority, string expected)
    {
        var failures = new[] { new BottleFailure(Bottle("opencv", "4.8.0", "arm64_sonoma"), FailureKind.ShaMismatch, "x") };
        var messages = new[]
        {
            SlackMessages.Failed(Prod, "2025-07-21", "Network Timeout", TimeSpan.FromMinutes(14), 89, 1247, GB, "details", requestedBy, priority),
            SlackMessages.CompletedWithWarnings(Prod, "2025-07-21", 1, 2, TimeSpan.FromMinutes(11), failures, null, requestedBy, priority),
        };

        foreach (var m in messages)
        {
            var last = Assert.IsType<ContextBlock>(m.Blocks[^1]);
            Assert.Equal([expected], last.Elements);
        }
    }

    [Fact]
    public void FailedAndCompletedWithWarnings_WithNobodyNamed_HaveNoContextLine()
    {
        var failures = new[] { new BottleFailure(Bottle("opencv", "4.8.0", "arm64_sonoma"), FailureKind.ShaMismatch, "x") };

        Assert.DoesNotContain(SlackMessages.Failed(Prod, "2025-07-21", "t", TimeSpan.Zero, 0, 0, 0, "x").Blocks, b => b is ContextBlock);
        Assert.DoesNotContain(SlackMessages.CompletedWithWarnings(Prod, "2025-07-21", 1, 2, TimeSpan.Zero, failures).Blocks, b => b is ContextBlock);
    }

    [Fact]
    public void Failed_MatchesTheReference_WithConsoleLinksFromRegionAndFunction()
    {
        var m = SlackMessages.Failed(Prod, "2025-07-21", "Network Timeout", TimeSpan.FromSeconds(14 * 60 + 23), 89, 1247, (long)(1.8 * GB),
            "Timeout downloading curl-8.2.1.arm64_sonoma.bottle.tar.gz\nConnection timeout after 300 seconds\nRetried 3 times, all attempts failed");

        AssertSameAsReference(ReferenceMessages.Failed, m);
        var eu = SlackMessages.Failed(Prod with { Region = "eu-west-1", OrchestratorFunctionName = "hbs-dev-alice-orchestrator" }, "d", "t", TimeSpan.Zero, 0, 0, 0, "x");
        Assert.Equal("https://console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/hbs-dev-alice-orchestrator",
            Assert.IsType<ActionsBlock>(eu.Blocks[4]).Buttons[1].Url);
    }

    [Fact]
    public void CompletedWithWarnings_MatchesTheReference()
    {
        var failures = new List<BottleFailure>
        {
            new(Bottle("opencv", "4.8.0", "arm64_sonoma"), FailureKind.ShaMismatch, "x"),
            new(Bottle("tensorflow", "2.13.0", "monterey"), FailureKind.NotFound, "x"),
            new(Bottle("llvm", "16.0.6", "arm64_ventura"), FailureKind.Timeout, "x"),
        };
        failures.AddRange(Enumerable.Range(0, 46).Select(i => new BottleFailure(Bottle($"f{i}", "1", "monterey"), FailureKind.HttpError, "x")));

        var m = SlackMessages.CompletedWithWarnings(Prod, "2025-07-21", 1198, 1247, TimeSpan.FromSeconds(11 * 60 + 45), failures);

        AssertSameAsReference(ReferenceMessages.Warnings, m);
    }

    [Fact]
    public void CompletedWithWarnings_WithNoFailedBottle_ListsTheApiFilesAndIndexesNotUpdated_AndNoEmptyFailureList()
    {
        var m = SlackMessages.CompletedWithWarnings(Prod, "2025-07-21", 2, 2, TimeSpan.FromMinutes(1), [],
            ["internal/packages.arm64_sonoma.jws.json: held back, the previous copy stays: it names 1 bottles the mirror does not hold (wget 0123456789ab)"],
            indexNotes: ["manifests/wget/1.25.0.json: the registry's index does not list every mirrored bottle"]);

        var text = string.Join("\n", m.Blocks.OfType<TextBlock>().Select(b => b.Text));
        Assert.DoesNotContain("Failed Downloads", text, StringComparison.Ordinal);
        Assert.Contains("*API files not updated:*\n• internal/packages.arm64_sonoma.jws.json: held back", text, StringComparison.Ordinal);
        Assert.Contains("*Image indexes not kept (brew cannot install these bottles from the mirror; the next sync tries again):*\n• manifests/wget/1.25.0.json", text, StringComparison.Ordinal);
        Assert.Contains("Every bottle is stored", text, StringComparison.Ordinal);
        Assert.Equal("⚠️ Homebrew Sync Completed with Warnings", m.Text);
    }

    [Fact]
    public void Progress_HasTheReferenceBlocksLabelsAndFormats()
    {
        var p = new SyncProgress(2156, 450, 6, (long)(47.8 * GB), (long)(8.3 * GB), TimeSpan.FromMinutes(12), "node-20.5.1-arm64_sonoma", "node@20.5.1");

        var actual = SlackMessages.Progress(p);

        // Speed, ETA and the bar follow from the run's own numbers (the reference's sample values are not
        // consistent with each other: 8 of 28 cells for 21%); everything else is as in the reference.
        var fields = Assert.IsType<FieldsBlock>(actual.Blocks[1]).Fields.ToArray();
        Assert.Equal("*Speed:* 11.8 MB/s", fields[4]);
        Assert.Equal("*ETA:* 57 minutes", fields[3]);
        Assert.Equal("Progress bar: ██████░░░░░░░░░░░░░░░░░░░░░░ 21%", Assert.IsType<TextBlock>(actual.Blocks[2]).Text);
        (fields[3], fields[4]) = ("*ETA:* 35 minutes", "*Speed:* 11.2 MB/s");
        var blocks = actual.Blocks.ToArray();
        (blocks[1], blocks[2]) = (new FieldsBlock(fields), new TextBlock("Progress bar: ████████░░░░░░░░░░░░░░░░░░░░ 21%"));
        AssertSameAsReference(ReferenceMessages.Progress, actual with { Blocks = blocks });
    }

    [Fact]
    public void CompletedWithWarnings_ThousandsOfFailures_ListsSomeAndCountsTheOthers()
    {
        var failures = Enumerable.Range(0, 5000)
            .Select(i => new BottleFailure(Bottle(new string('x', 120) + i, new string('9', 60), "arm64_sonoma"), FailureKind.ShaMismatch, new string('r', 5000)))
            .ToArray();

        var m = SlackMessages.CompletedWithWarnings(Prod, "2025-07-21", 1, 5001, TimeSpan.FromDays(3), failures);

        Assert.Contains("... and 4,997 others", Assert.IsType<TextBlock>(m.Blocks[2]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_DetailsOverSlacksLimit_AreCutInsideTheCodeBlock()
    {
        var m = SlackMessages.Failed(Prod, "2025-07-21", "t", TimeSpan.Zero, 0, 5000, 0, string.Concat(Enumerable.Repeat("line of detail\n", 2000)));

        var details = Assert.IsType<TextBlock>(SlackLimits.Apply(m).Blocks[2]).Text;

        Assert.True(details.Length <= 3000, details.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.EndsWith("```", details, StringComparison.Ordinal);
    }
}
