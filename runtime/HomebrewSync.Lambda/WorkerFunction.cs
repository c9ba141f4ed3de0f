using System.Globalization;
using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Orchestration;

namespace HomebrewSync.Lambda;

/// <summary>
/// The Lambda worker (handler <see cref="HandlerNames.Worker"/>): executes a saved plan within
/// WORKER_TIME_BUDGET_SECONDS and answers <c>done: false</c> until every bottle was attempted. Also takes
/// the reference's direct test invocation (<c>formulas</c> with their bottles, <c>sync_date</c>).
/// </summary>
public sealed class WorkerFunction
{
    private readonly Func<Task<LambdaServices>> _services;

    public WorkerFunction()
        : this(() => HandlerSupport.Shared.Value)
    {
    }

    public WorkerFunction(LambdaServices services)
        : this(() => Task.FromResult(services))
    {
    }

    private WorkerFunction(Func<Task<LambdaServices>> services)
    {
        _services = services;
    }

    public async Task<Stream> HandleAsync(Stream input)
    {
        var bytes = await HandlerSupport.ReadAsync(input);
        var (planKey, directPlan) = Parse(bytes);
        var services = await _services();
        if (directPlan is not null)
        {
            planKey = PlanRepository.NewKey(directPlan.SyncDate, services.Time.GetUtcNow());
            directPlan = directPlan with { CreatedAt = services.Time.GetUtcNow() };
            await new PlanRepository(services.Store).SaveAsync(planKey, directPlan with { Store = services.Store.Location }, CancellationToken.None);
        }
        var result = await services.Worker.RunAsync(planKey!, services.Settings.TimeBudget, services.Log, null, CancellationToken.None);
        services.Log.Write($"Plan {result.PlanKey}: {result.Stored} stored, {result.Failed} failed, {result.Remaining} remaining after invocation {result.Invocations}");
        return HandlerSupport.Write(result);
    }

    internal static (string? PlanKey, SyncPlan? Direct) Parse(byte[] payload)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload);
        }
        catch (JsonException ex)
        {
            throw new TriggerFormatException($"The input is not JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TriggerFormatException($"The input must be a JSON object, not {root.ValueKind}");
            }
            if (root.TryGetProperty("plan_key", out var key))
            {
                return key.ValueKind == JsonValueKind.String && key.GetString()!.StartsWith("plans/", StringComparison.Ordinal) && !key.GetString()!.Contains("..", StringComparison.Ordinal)
                    ? (key.GetString(), null)
                    : throw new TriggerFormatException("plan_key must be a key under plans/");
            }
            if (root.TryGetProperty("formulas", out var formulas))
            {
                return (null, DirectPlan(root, formulas));
            }
            throw new TriggerFormatException("Expected {\"plan_key\": \"plans/...\"} or a test invocation {\"formulas\": [...], \"sync_date\": \"YYYY-MM-DD\"}");
        }
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
                    SourceTag = file.Name,
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
