using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Orchestration;

/// <summary>Plans and their state under <c>plans/</c> in the store.</summary>
public sealed class PlanRepository
{
    public const string Prefix = "plans/";
    private const string Json = "application/json";
    private readonly IDocumentStore _documents;
    private readonly Func<string, string> _describe;

    /// <param name="describe">Where a key is, for messages (a path, an s3:// URL).</param>
    public PlanRepository(IDocumentStore documents, Func<string, string> describe)
    {
        _documents = documents;
        _describe = describe;
    }

    public static string NewKey(string syncDate, DateTimeOffset now) =>
        $"{Prefix}{syncDate}/{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}.json";

    /// <summary>True for a key a plan can have: under plans/, no '..'.</summary>
    public static bool IsPlanKey(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal) && !key.Contains("..", StringComparison.Ordinal) && key.EndsWith(".json", StringComparison.Ordinal);

    public Task SaveAsync(string key, SyncPlan plan, CancellationToken cancellationToken) =>
        _documents.PutDocumentAsync(key, JsonSerializer.SerializeToUtf8Bytes(plan, PlanJsonContext.Default.SyncPlan), Json, cancellationToken);

    /// <exception cref="PlanNotFoundException">No plan at <paramref name="key"/>, or not a plan.</exception>
    public async Task<SyncPlan> LoadAsync(string key, CancellationToken cancellationToken)
    {
        if (!IsPlanKey(key))
        {
            throw new PlanNotFoundException($"'{key}' is not a plan key (plans/....json)");
        }
        var doc = await _documents.GetDocumentAsync(key, cancellationToken) ?? throw new PlanNotFoundException($"No plan at {_describe(key)}");
        SyncPlan plan;
        try
        {
            plan = JsonSerializer.Deserialize(doc.Content, PlanJsonContext.Default.SyncPlan) ?? throw new PlanNotFoundException($"{_describe(key)} is empty");
        }
        catch (JsonException ex)
        {
            throw new PlanNotFoundException($"{_describe(key)} is not a plan: {ex.Message}", ex);
        }
        // The planner never writes one key twice; a plan that does (edited by hand, or older) would have two transfers write one object.
        if (plan.Bottles.Select(b => b.Key).Concat(plan.Bottles.Select(b => b.ObjectKey)).Concat(plan.ImageIndexes.Select(m => m.Key))
            .GroupBy(k => k, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new PlanNotFoundException($"{_describe(key)} is not a plan this version executes: it lists {twice.Key} twice");
        }
        return plan;
    }

    /// <exception cref="PlanNotFoundException">The state is there but not readable: the plan cannot run until it is removed.</exception>
    internal async Task<PlanState?> LoadStateAsync(string key, CancellationToken cancellationToken)
    {
        var doc = await _documents.GetDocumentAsync(StateKey(key), cancellationToken);
        try
        {
            return doc is null ? null : JsonSerializer.Deserialize(doc.Content, PlanJsonContext.Default.PlanState);
        }
        catch (JsonException ex)
        {
            throw new PlanNotFoundException(
                $"{_describe(StateKey(key))} is not a plan state ({ex.Message}); remove it to run the plan again from what the hash file holds", ex);
        }
    }

    internal Task SaveStateAsync(string key, PlanState state, CancellationToken cancellationToken) =>
        _documents.PutDocumentAsync(StateKey(key), JsonSerializer.SerializeToUtf8Bytes(state, PlanJsonContext.Default.PlanState), Json, cancellationToken);

    public static string StateKey(string key) => (key.EndsWith(".json", StringComparison.Ordinal) ? key[..^5] : key) + ".state.json";
}

/// <summary>
/// Plans and their state as JSON, generated at build time. A null in a member the types do not allow to be null
/// (<c>"bottles": null</c>, a bottle's <c>"url": null</c>) makes the document unreadable, as a missing required key does,
/// rather than a plan that fails later; a null element inside a list is not checked.
/// </summary>
[JsonSourceGenerationOptions(RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SyncPlan))]
[JsonSerializable(typeof(PlanState))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
