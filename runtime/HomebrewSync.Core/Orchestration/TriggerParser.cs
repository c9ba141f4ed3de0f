using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Planning;

namespace HomebrewSync.Core.Orchestration;

/// <summary>
/// Tells apart every payload the orchestrator accepts: the EventBridge scheduled event, the
/// <c>homebrew.sync</c> events "Manual Sync Trigger" and "Selective Sync", a direct invocation
/// (<c>sync_type</c>), and the state machine's <c>notify_failure</c> action. Anything else is a
/// <see cref="TriggerFormatException"/> naming what is wrong.
/// </summary>
public static class TriggerParser
{
    public const string CustomSource = "homebrew.sync";
    private static readonly string[] Priorities = ["low", "normal", "high"];
    private static readonly string[] SyncTypes = ["full", "incremental"];

    /// <returns>A <see cref="SyncTrigger"/>, a <see cref="FailureNotice"/> or the <see cref="FreshnessCheck"/>.</returns>
    public static object Parse(ReadOnlySpan<byte> payload) => PayloadJson.Read(payload, ParseObject);

    private static object ParseObject(JsonElement root)
    {
        if (root.TryGetProperty("action", out var action))
        {
            return ParseAction(root, action);
        }
        var source = OptionalString(root, "source", "source");
        var detailType = OptionalString(root, "detail-type", "detail-type");
        if (source == "aws.events" && detailType == "Scheduled Event")
        {
            return new SyncTrigger(new RunLabels("Scheduled"));
        }
        if (source == CustomSource)
        {
            var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.Object
                ? d
                : throw new TriggerFormatException("A homebrew.sync event needs a \"detail\" object");
            return detailType switch
            {
                "Manual Sync Trigger" => ParseManual(detail),
                "Selective Sync" => ParseSelective(detail),
                _ => throw new TriggerFormatException($"Unknown detail-type '{detailType}' for source homebrew.sync (expected \"Manual Sync Trigger\" or \"Selective Sync\")"),
            };
        }
        if (root.TryGetProperty("sync_type", out _))
        {
            return ParseDirect(root);
        }
        throw new TriggerFormatException(
            "Unrecognised input: expected an EventBridge scheduled event, a homebrew.sync event (Manual Sync Trigger, Selective Sync), "
            + "a direct invocation with \"sync_type\", or {\"action\": \"notify_failure\", ...}");
    }

    private static object ParseAction(JsonElement root, JsonElement action)
    {
        if (action.ValueKind == JsonValueKind.String && action.GetString() == FreshnessCheck.ActionName)
        {
            return FreshnessCheck.Instance;
        }
        if (action.ValueKind == JsonValueKind.String && action.GetString() == PruneRequest.ActionName)
        {
            if (!(root.TryGetProperty("keep_days", out var keep) && keep.ValueKind == JsonValueKind.Number && keep.TryGetInt32(out var days) && days >= 0))
            {
                throw new TriggerFormatException("prune needs \"keep_days\", a whole number of days (0 or more)");
            }
            if (!root.TryGetProperty("delete_unlisted", out var unlisted))
            {
                return new PruneRequest(days);
            }
            return unlisted.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? new PruneRequest(days, unlisted.ValueKind == JsonValueKind.True)
                : throw new TriggerFormatException("prune's \"delete_unlisted\" must be true or false");
        }
        if (action.ValueKind != JsonValueKind.String || action.GetString() != FailureNotice.ActionName)
        {
            throw new TriggerFormatException($"\"action\" must be \"{FailureNotice.ActionName}\", \"{FreshnessCheck.ActionName}\" or \"{PruneRequest.ActionName}\"");
        }
        if (!root.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
        {
            throw new TriggerFormatException("notify_failure needs an \"error\" object with \"Error\" and \"Cause\"");
        }
        return new FailureNotice
        {
            Error = new StateError
            {
                Error = OptionalString(error, "Error", "error.Error") ?? throw new TriggerFormatException("error.Error is required"),
                Cause = OptionalString(error, "Cause", "error.Cause"),
            },
            PlanKey = OptionalString(root, "plan_key", "plan_key"),
        };
    }

    private static SyncTrigger ParseManual(JsonElement detail)
    {
        var priority = OptionalString(detail, "priority", "detail.priority");
        if (priority is not null && !Priorities.Contains(priority))
        {
            throw new TriggerFormatException($"detail.priority '{priority}' is not one of {string.Join(", ", Priorities)}");
        }
        var type = OptionalString(detail, "trigger_type", "detail.trigger_type");
        var requestedBy = OptionalString(detail, "requested_by", "detail.requested_by");
        if (requestedBy is { Length: > 200 })
        {
            throw new TriggerFormatException("detail.requested_by is longer than 200 characters");
        }
        // trigger_type names the kind of manual run ("manual", "hotfix"): it is the Trigger the messages show.
        var label = type is null ? "Manual" : Label(type, "detail.trigger_type");
        return new SyncTrigger(new RunLabels(label, requestedBy, priority));
    }

    private static SyncTrigger ParseSelective(JsonElement detail)
    {
        var names = StringArray(detail, "formula_names", "detail.formula_names")
            ?? throw new TriggerFormatException("detail.formula_names is required: a non-empty array of formula names");
        if (names.Count == 0)
        {
            throw new TriggerFormatException("detail.formula_names must name at least one formula");
        }
        foreach (var n in names.Where(n => !BottleNaming.IsSafeName(n)))
        {
            throw new TriggerFormatException($"detail.formula_names: '{n}' is not a formula name");
        }
        var platforms = StringArray(detail, "platforms", "detail.platforms");
        foreach (var p in (platforms ?? []).Where(p => !SyncSettingsValidator.IsWellFormedTag(p)))
        {
            throw new TriggerFormatException($"detail.platforms: '{p}' is not a bottle tag");
        }
        if (platforms is { Count: 0 })
        {
            throw new TriggerFormatException("detail.platforms, when given, must name at least one tag");
        }
        return new SyncTrigger(new RunLabels("Selective"), Formulae: names, Platforms: platforms, Force: OptionalBool(detail, "force_download", "detail.force_download"));
    }

    private static SyncTrigger ParseDirect(JsonElement root)
    {
        var syncType = OptionalString(root, "sync_type", "sync_type");
        if (syncType is null || !SyncTypes.Contains(syncType))
        {
            throw new TriggerFormatException($"sync_type '{syncType}' is not one of {string.Join(", ", SyncTypes)}");
        }
        var channel = OptionalString(root, "notification_channel", "notification_channel");
        if (channel is not null && (channel.Length < 2 || channel[0] is not ('#' or '@' or 'C')))
        {
            throw new TriggerFormatException($"notification_channel '{channel}' is not a Slack channel (#name)");
        }
        // The invocation's "source" ("manual", "runbook") is the Trigger the messages show.
        var source = OptionalString(root, "source", "source");
        var label = source is null ? "Manual" : Label(source, "source");
        // "full" re-downloads everything the plan covers; "incremental" only what the hash file lacks.
        return new SyncTrigger(new RunLabels(label, NotificationChannel: channel), Force: syncType == "full",
            ForceRebuildHash: OptionalBool(root, "force_rebuild_hash", "force_rebuild_hash"));
    }

    /// <summary>A short word from a payload, capitalised for the messages ("manual" to "Manual").</summary>
    private static string Label(string value, string path) =>
        value.Length is > 0 and <= 40 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ' ')
            ? char.ToUpperInvariant(value[0]) + value[1..]
            : throw new TriggerFormatException($"{path} '{value}' must be a short word (letters, digits, '-', '_')");

    private static string? OptionalString(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new TriggerFormatException($"{path} must be a string, not {v.ValueKind}");
    }

    private static bool OptionalBool(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return false;
        }
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new TriggerFormatException($"{path} must be true or false, not {v.ValueKind}"),
        };
    }

    private static List<string>? StringArray(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new TriggerFormatException($"{path} must be an array of strings");
        }
        return v.EnumerateArray().Select(e => e.GetString()!).Distinct(StringComparer.Ordinal).ToList();
    }
}
