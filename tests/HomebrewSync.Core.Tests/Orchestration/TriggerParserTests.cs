using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Core.Tests.Orchestration;

public sealed class TriggerParserTests
{
    private static T Parse<T>(string json) => Assert.IsType<T>(TriggerParser.Parse(System.Text.Encoding.UTF8.GetBytes(json)));

    private static TriggerFormatException Rejects(string json) =>
        Assert.Throws<TriggerFormatException>(() => TriggerParser.Parse(System.Text.Encoding.UTF8.GetBytes(json)));

    private static string HomebrewSyncEvent(string detailType, string detail) =>
        "{\"source\":\"homebrew.sync\",\"detail-type\":\"" + detailType + "\",\"detail\":" + detail + "}";

    private static string Action(string name, string more = "") => "{\"action\":\"" + name + "\"" + more + "}";

    [Fact]
    public void Parse_ScheduledEvent_IsAScheduledSyncOfEverything()
    {
        var trigger = Parse<SyncTrigger>("""{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}""");

        Assert.Equal("Scheduled", trigger.Labels.Trigger);
        Assert.Null(trigger.Formulae);
        Assert.Null(trigger.Platforms);
        Assert.False(trigger.Force);
    }

    [Fact]
    public void Parse_ManualSyncTrigger_KeepsWhoAskedThePriorityAndTheTypeAsTrigger()
    {
        var trigger = Parse<SyncTrigger>("""
            {"source":"homebrew.sync","detail-type":"Manual Sync Trigger",
             "detail":{"trigger_type":"hotfix","requested_by":"alice","priority":"high"}}
            """);

        Assert.Equal(new RunLabels("Hotfix", "alice", "high"), trigger.Labels);
        Assert.False(trigger.Force);
    }

    [Fact]
    public void Parse_ManualSyncTriggerWithoutType_IsLabelledManual()
    {
        var trigger = Parse<SyncTrigger>("""{"source":"homebrew.sync","detail-type":"Manual Sync Trigger","detail":{}}""");

        Assert.Equal("Manual", trigger.Labels.Trigger);
    }

    [Theory]
    [InlineData("""{"priority":"urgent"}""", "detail.priority")]
    [InlineData("""{"priority":3}""", "detail.priority must be a string")]
    [InlineData("""{"trigger_type":"drop table;"}""", "detail.trigger_type")]
    public void Parse_ManualSyncTriggerWithABadField_NamesTheField(string detail, string expected)
    {
        var ex = Rejects(HomebrewSyncEvent("Manual Sync Trigger", detail));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ManualSyncTriggerRequestedByOver200Characters_IsRejected()
    {
        var ex = Rejects(HomebrewSyncEvent("Manual Sync Trigger", "{\"requested_by\":\"" + new string('a', 201) + "\"}"));

        Assert.Contains("requested_by", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SelectiveSync_TakesDistinctFormulaeThePlatformsAndForce()
    {
        var trigger = Parse<SyncTrigger>("""
            {"source":"homebrew.sync","detail-type":"Selective Sync",
             "detail":{"formula_names":["jq","wget","jq"],"platforms":["arm64_sonoma"],"force_download":true}}
            """);

        Assert.Equal("Selective", trigger.Labels.Trigger);
        Assert.Equal(["jq", "wget"], trigger.Formulae);
        Assert.Equal(["arm64_sonoma"], trigger.Platforms);
        Assert.True(trigger.Force);
    }

    [Theory]
    [InlineData("""{}""", "formula_names is required")]
    [InlineData("""{"formula_names":[]}""", "at least one formula")]
    [InlineData("""{"formula_names":["../etc"]}""", "is not a formula name")]
    [InlineData("""{"formula_names":["jq",1]}""", "array of strings")]
    [InlineData("""{"formula_names":["jq"],"platforms":[]}""", "at least one tag")]
    [InlineData("""{"formula_names":["jq"],"platforms":["Not A Tag"]}""", "is not a bottle tag")]
    [InlineData("""{"formula_names":["jq"],"force_download":"yes"}""", "true or false")]
    public void Parse_SelectiveSyncWithABadDetail_SaysWhatIsWrong(string detail, string expected)
    {
        var ex = Rejects(HomebrewSyncEvent("Selective Sync", detail));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HomebrewSyncEventWithoutDetail_IsRejected()
    {
        var ex = Rejects("""{"source":"homebrew.sync","detail-type":"Manual Sync Trigger"}""");

        Assert.Contains("\"detail\" object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HomebrewSyncEventOfUnknownType_NamesTheType()
    {
        var ex = Rejects("""{"source":"homebrew.sync","detail-type":"Full Resync","detail":{}}""");

        Assert.Contains("'Full Resync'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DirectFull_ForcesAndKeepsSourceAndChannel()
    {
        var trigger = Parse<SyncTrigger>("""{"sync_type":"full","source":"runbook","notification_channel":"#mirror","force_rebuild_hash":true}""");

        Assert.Equal(new RunLabels("Runbook", NotificationChannel: "#mirror"), trigger.Labels);
        Assert.True(trigger.Force);
        Assert.True(trigger.ForceRebuildHash);
    }

    [Fact]
    public void Parse_DirectIncremental_DoesNotForce()
    {
        var trigger = Parse<SyncTrigger>("""{"sync_type":"incremental"}""");

        Assert.Equal("Manual", trigger.Labels.Trigger);
        Assert.False(trigger.Force);
        Assert.False(trigger.ForceRebuildHash);
    }

    [Theory]
    [InlineData("""{"sync_type":"partial"}""", "sync_type 'partial'")]
    [InlineData("""{"sync_type":null}""", "sync_type ''")]
    [InlineData("""{"sync_type":"full","notification_channel":"mirror"}""", "notification_channel 'mirror'")]
    public void Parse_DirectWithABadField_NamesTheField(string json, string expected)
    {
        var ex = Rejects(json);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NotifyFailure_CarriesTheErrorAndThePlan()
    {
        var notice = Parse<FailureNotice>("""{"action":"notify_failure","error":{"Error":"States.Timeout","Cause":"worker"},"plan_key":"plans/1.json"}""");

        Assert.Equal("States.Timeout", notice.Error.Error);
        Assert.Equal("worker", notice.Error.Cause);
        Assert.Equal("plans/1.json", notice.PlanKey);
    }

    [Theory]
    [InlineData("""{"action":"notify_failure"}""", "\"error\" object")]
    [InlineData("""{"action":"notify_failure","error":{"Cause":"x"}}""", "error.Error is required")]
    [InlineData("""{"action":"explode"}""", "\"action\" must be")]
    [InlineData("""{"action":1}""", "\"action\" must be")]
    public void Parse_BadAction_SaysWhatIsWrong(string json, string expected)
    {
        var ex = Rejects(json);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FreshnessCheck_ReturnsTheSingleInstance()
    {
        var check = Parse<FreshnessCheck>(Action(FreshnessCheck.ActionName));

        Assert.Same(FreshnessCheck.Instance, check);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    public void Parse_PruneWithKeepDays_ReturnsThem(int days)
    {
        var prune = Parse<PruneRequest>(Action(PruneRequest.ActionName, ",\"keep_days\":" + days.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(days, prune.KeepDays);
    }

    [Theory]
    [InlineData(""","delete_unlisted":true""", true)]
    [InlineData(""","delete_unlisted":false""", false)]
    [InlineData("", false)]
    public void Parse_PruneWithDeleteUnlisted_ReturnsIt(string field, bool expected)
    {
        var prune = Parse<PruneRequest>(Action(PruneRequest.ActionName, ",\"keep_days\":30" + field));

        Assert.Equal(expected, prune.DeleteUnlisted);
    }

    [Fact]
    public void Parse_PruneWithDeleteUnlistedNotABoolean_IsRejected()
    {
        var ex = Rejects(Action(PruneRequest.ActionName, ""","keep_days":30,"delete_unlisted":"yes" """));

        Assert.Contains("\"delete_unlisted\" must be true or false", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(""","keep_days":-1""")]
    [InlineData(""","keep_days":"30" """)]
    [InlineData(""","keep_days":1.5""")]
    public void Parse_PruneWithoutWholeKeepDays_IsRejected(string keepDays)
    {
        var ex = Rejects(Action(PruneRequest.ActionName, keepDays));

        Assert.Contains("keep_days", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("""{"hello":"world"}""", "Unrecognised input")]
    [InlineData("""{"source":"aws.events","detail-type":"Something Else"}""", "Unrecognised input")]
    public void Parse_NotATrigger_IsRejected(string json, string expected)
    {
        var ex = Rejects(json);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
