using System.Globalization;
using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.Orchestration;

/// <summary>
/// What the worker accepts: the state machine's <c>{"plan_key": "plans/..."}</c>, or the reference's direct test
/// invocation (<c>formulas</c> with their bottles, <c>sync_date</c>), which becomes a plan of its own. Anything else
/// is a <see cref="TriggerFormatException"/> naming what is wrong.
/// </summary>
public static class WorkerPayload
{
    public static (string? PlanKey, SyncPlan? Direct) Parse(ReadOnlySpan<byte> payload) => PayloadJson.Read(payload, ParseObject);

    private static (string? PlanKey, SyncPlan? Direct) ParseObject(JsonElement root)
    {
        if (root.TryGetProperty("plan_key", out var key))
        {
            return key.ValueKind == JsonValueKind.String && PlanRepository.IsPlanKey(key.GetString()!)
                ? (key.GetString(), null)
                : throw new TriggerFormatException("plan_key must be a key under plans/ (plans/....json)");
        }
        if (root.TryGetProperty("formulas", out var formulas))
        {
            return (null, DirectPlan(root, formulas));
        }
        throw new TriggerFormatException("Expected {\"plan_key\": \"plans/...\"} or a test invocation {\"formulas\": [...], \"sync_date\": \"YYYY-MM-DD\"}");
    }

    private static SyncPlan DirectPlan(JsonElement root, JsonElement formulas)
    {
        if (!root.TryGetProperty("sync_date", out var d) || d.ValueKind != JsonValueKind.String
            || !DateOnly.TryParseExact(d.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new TriggerFormatException("sync_date must be a date YYYY-MM-DD");
        }
        if (formulas.ValueKind != JsonValueKind.Array || formulas.GetArrayLength() == 0)
        {
            throw new TriggerFormatException("formulas must be a non-empty array");
        }
        var bottles = new List<PlannedBottle>();
        var i = 0;
        foreach (var f in formulas.EnumerateArray())
        {
            var at = $"formulas[{i++}]";
            var name = Str(f, "name", at);
            var version = Str(f, "version", at);
            if (!BottleNaming.IsSafeName(name) || !BottleNaming.IsSafeVersion(version))
            {
                throw new TriggerFormatException($"{at}: '{name}' '{version}' is not a formula name and version");
            }
            if (!f.TryGetProperty("bottles", out var files) || files.ValueKind != JsonValueKind.Object)
            {
                throw new TriggerFormatException($"{at}.bottles must be an object of tag: {{url, sha256, size}}");
            }
            foreach (var file in files.EnumerateObject())
            {
                var where = $"{at}.bottles.{file.Name}";
                var sha = Str(file.Value, "sha256", where);
                var url = Str(file.Value, "url", where);
                if (!SyncSettingsValidator.IsWellFormedTag(file.Name) || !BottleNaming.IsSha256(sha) || !Uri.TryCreate(url, UriKind.Absolute, out _))
                {
                    throw new TriggerFormatException($"{where}: needs a bottle tag, a 64-hex sha256 and an absolute url");
                }
                long? size = file.Value.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var n) && n >= 0 ? n : null;
                bottles.Add(new PlannedBottle
                {
                    Key = BottleNaming.Key(name, version, file.Name),
                    FormulaName = name,
                    FormulaVersion = version,
                    Platform = file.Name,
                    Serves = [file.Name],
                    Sha256 = sha,
                    Url = url,
                    Size = size,
                    ObjectKey = BottleNaming.ObjectKey(date, BottleNaming.FileName(name, version, file.Name, 0)),
                });
            }
        }
        return new SyncPlan
        {
            SyncDate = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            CreatedAt = DateTimeOffset.UnixEpoch,
            ApiUrl = SyncSettings.DefaultApiUrl.AbsoluteUri,
            Platforms = bottles.Select(b => b.Platform).Distinct(StringComparer.Ordinal).ToArray(),
            Trigger = "Manual",
            Bottles = bottles,
        };
    }

    private static string Str(JsonElement obj, string name, string at) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new TriggerFormatException($"{at}.{name} must be a string");
}
