using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Orchestration;

/// <summary>What a plan's executions have done so far, kept beside the plan (<c>&lt;plan&gt;.state.json</c>).</summary>
public sealed record PlanState
{
    [JsonPropertyName("invocations")] public int Invocations { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("stored")] public IReadOnlyList<string> Stored { get; init; } = [];
    [JsonPropertyName("failed")] public IReadOnlyList<FailedBottle> Failed { get; init; } = [];
    [JsonPropertyName("bytes_transferred")] public long BytesTransferred { get; init; }
}

public sealed record FailedBottle(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>The plan is missing or unreadable: nothing can be executed.</summary>
public sealed class PlanNotFoundException : Exception
{
    public PlanNotFoundException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Plans and their state under <c>plans/</c> in the store.</summary>
public sealed class PlanRepository
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };
    private readonly IBottleStore _store;

    public PlanRepository(IBottleStore store)
    {
        _store = store;
    }

    public static string NewKey(string syncDate, DateTimeOffset now) =>
        $"plans/{syncDate}/{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}.json";

    public Task SaveAsync(string key, SyncPlan plan, CancellationToken cancellationToken) =>
        _store.PutDocumentAsync(key, JsonSerializer.SerializeToUtf8Bytes(plan, Options), cancellationToken);

    public async Task<SyncPlan> LoadAsync(string key, CancellationToken cancellationToken)
    {
        var bytes = await GetAsync(key, cancellationToken) ?? throw new PlanNotFoundException($"No plan at {_store.Describe(key)}");
        try
        {
            return JsonSerializer.Deserialize<SyncPlan>(bytes, Options) ?? throw new PlanNotFoundException($"{_store.Describe(key)} is empty");
        }
        catch (JsonException ex)
        {
            throw new PlanNotFoundException($"{_store.Describe(key)} is not a plan: {ex.Message}", ex);
        }
    }

    public async Task<PlanState?> LoadStateAsync(string key, CancellationToken cancellationToken)
    {
        var bytes = await _store.GetDocumentAsync(StateKey(key), cancellationToken);
        return bytes is null ? null : JsonSerializer.Deserialize<PlanState>(bytes, Options);
    }

    public Task SaveStateAsync(string key, PlanState state, CancellationToken cancellationToken) =>
        _store.PutDocumentAsync(StateKey(key), JsonSerializer.SerializeToUtf8Bytes(state, Options), cancellationToken);

    private async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.GetDocumentAsync(key, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new PlanNotFoundException($"'{key}' is not a plan key", ex);
        }
    }

    private static string StateKey(string key) => (key.EndsWith(".json", StringComparison.Ordinal) ? key[..^5] : key) + ".state.json";
}
