using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Formatting;
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

    /// <summary>True for a key a plan can have: a store key (no empty, "." or ".." segment, no backslash) under plans/, ending .json.</summary>
    public static bool IsPlanKey(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal) && StoreKeys.IsStoreKey(key) && !key.Contains("..", StringComparison.Ordinal) && key.EndsWith(".json", StringComparison.Ordinal);

    public Task SaveAsync(string key, SyncPlan plan, CancellationToken cancellationToken) =>
        _documents.PutDocumentAsync(key, JsonSerializer.SerializeToUtf8Bytes(plan, PlanJsonContext.Default.SyncPlan), Json, cancellationToken);

    /// <exception cref="PlanNotFoundException">No plan at <paramref name="key"/>, or not a plan.</exception>
    public async Task<SyncPlan> LoadAsync(string key, CancellationToken cancellationToken)
    {
        if (!IsPlanKey(key))
        {
            throw new PlanNotFoundException($"'{key}' is not a plan key (plans/....json, no empty, '.' or '..' segment, no backslash)");
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
        if (NullElementIn(plan) is { } nullAt)
        {
            throw new PlanNotFoundException($"{_describe(key)} is not a plan: {nullAt} is null");
        }
        if (ProblemIn(plan) is { } problem)
        {
            throw new PlanNotFoundException($"{_describe(key)} is not a plan this version executes: {problem}");
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
        PlanState? state;
        try
        {
            state = doc is null ? null : JsonSerializer.Deserialize(doc.Content, PlanJsonContext.Default.PlanState);
        }
        catch (JsonException ex)
        {
            throw Unreadable(ex.Message, ex);
        }
        if (state is not null && (FirstNull("stored", state.Stored) ?? FirstNull("failed", state.Failed)) is { } nullAt)
        {
            throw Unreadable($"{nullAt} is null", null);
        }
        return state;

        PlanNotFoundException Unreadable(string why, Exception? inner) => new(
            $"{_describe(StateKey(key))} is not a plan state ({why}); remove it to run the plan again from what the hash file holds", inner);
    }

    /// <summary>
    /// Where the first null element of the plan's lists is (<c>bottles[3]</c>, <c>bottles[0].serves[1]</c>), if any: the
    /// generated reader refuses a null member, but not a null inside a list.
    /// </summary>
    private static string? NullElementIn(SyncPlan plan) =>
        FirstNull("platforms", plan.Platforms) ?? FirstNull("bottles", plan.Bottles) ?? FirstNull("retire", plan.Retire)
        ?? FirstNull("manifests", plan.ImageIndexes) ?? FirstNull("api_files", plan.ApiFiles) ?? FirstNull("portable_ruby", plan.PortableRuby)
        ?? plan.Bottles.Select((b, i) => FirstNull($"bottles[{i}].serves", b.Serves) ?? FirstNull($"bottles[{i}].replaces", b.Replaces)).FirstOrDefault(p => p is not null)
        ?? plan.ImageIndexes.Select((m, i) => FirstNull($"manifests[{i}].digests", m.Digests)).FirstOrDefault(p => p is not null)
        ?? plan.ApiFiles.Select((a, i) => FirstNull($"api_files[{i}].tags", a.Tags)).FirstOrDefault(p => p is not null);

    /// <summary>
    /// What in the plan its executor must not act on, if anything: every key it would write or read is checked against the
    /// grammar the hash file's reader holds entries to (a plan edited by hand, or written by something else, would otherwise
    /// have the sync record entries the next command refuses as corrupt, or write outside the bottles' own keys), and every
    /// date and size is one a bottle can have.
    /// </summary>
    private static string? ProblemIn(SyncPlan plan)
    {
        if (!IsDate(plan.SyncDate))
        {
            return $"sync_date '{Humanize.Clip(plan.SyncDate)}' is not a date (YYYY-MM-DD)";
        }
        if (plan.Platforms.FirstOrDefault(t => !StoreKeys.IsTag(t)) is { } platform)
        {
            return $"platforms: '{Humanize.Clip(platform)}' is not a bottle tag";
        }
        for (var i = 0; i < plan.Bottles.Count; i++)
        {
            if (ProblemWith(plan.Bottles[i], plan.SyncDate) is { } problem)
            {
                return $"bottles[{i}] ({Humanize.Clip(plan.Bottles[i].Key)}): {problem}";
            }
        }
        for (var i = 0; i < plan.ImageIndexes.Count; i++)
        {
            var index = plan.ImageIndexes[i];
            if (!StoreKeys.IsIndexKey(index.Key))
            {
                return $"manifests[{i}]: '{Humanize.Clip(index.Key)}' is not an image index's key (manifests/<image>/<version>.json)";
            }
            if (index.Digests.FirstOrDefault(d => !Catalog.BottleNaming.IsSha256(d)) is { } digest)
            {
                return $"manifests[{i}] ({Humanize.Clip(index.Key)}): digest '{Humanize.Clip(digest)}' is not a SHA-256";
            }
            // Fetched at the run's end, after the bottles: one that cannot be asked for would fail the finish, and each retry of it.
            if (!Uri.TryCreate(index.ImageUrl, UriKind.Absolute, out var image) || (image.Scheme != Uri.UriSchemeHttps && image.Scheme != Uri.UriSchemeHttp))
            {
                return $"manifests[{i}] ({Humanize.Clip(index.Key)}): image_url '{Humanize.Clip(UrlDisplay.Redact(index.ImageUrl))}' is not an http(s) URL";
            }
            // The reference is the key's last segment (manifests/<image>/<reference>.json), so the key's grammar holds it too.
            if (index.Reference.Contains('/', StringComparison.Ordinal) || !index.Key.EndsWith($"/{index.Reference}.json", StringComparison.Ordinal))
            {
                return $"manifests[{i}] ({Humanize.Clip(index.Key)}): reference '{Humanize.Clip(index.Reference)}' is not the key's (manifests/<image>/<reference>.json)";
            }
        }
        for (var i = 0; i < plan.ApiFiles.Count; i++)
        {
            var file = plan.ApiFiles[i];
            if (!StoreKeys.IsApiKey(Api.ApiMirror.StorePrefix + file.Path))
            {
                return $"api_files[{i}]: '{Humanize.Clip(file.Path)}' is not the path of one of Homebrew's API files";
            }
            if (file.Staged is { } staged && !(staged.StartsWith(Prefix, StringComparison.Ordinal) && StoreKeys.IsStoreKey(staged)))
            {
                return $"api_files[{i}] ({Humanize.Clip(file.Path)}): staged '{Humanize.Clip(staged)}' is not under {Prefix}";
            }
            if (file.Tags.FirstOrDefault(t => !StoreKeys.IsTag(t)) is { } tag)
            {
                return $"api_files[{i}] ({Humanize.Clip(file.Path)}): '{Humanize.Clip(tag)}' is not a bottle tag";
            }
        }
        if (plan.PortableRuby.FirstOrDefault(v => !Catalog.BottleNaming.IsSafeVersion(v)) is { } ruby)
        {
            return $"portable_ruby: '{Humanize.Clip(ruby)}' is not a version";
        }
        return null;
    }

    private static string? ProblemWith(PlannedBottle b, string syncDate)
    {
        if (!Catalog.BottleNaming.IsSha256(b.Sha256))
        {
            return "sha256 is not a SHA-256 (64 hex digits)";
        }
        if (b.Size is < 0 || b.Size > StoreKeys.MaxBottleBytes)
        {
            return $"size {b.Size} is not a bottle's (0 to {StoreKeys.MaxBottleBytes:N0} bytes)";
        }
        if (b.Date is { } date && !IsDate(date))
        {
            return $"date '{Humanize.Clip(date)}' is not a date (YYYY-MM-DD)";
        }
        // What the sync will record for it, checked as the hash file's reader will check it.
        var entry = new HashFiles.HashEntry(b.Sha256, DateOnly.ParseExact(b.Date ?? syncDate, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            b.Size ?? 0, b.FormulaName, b.FormulaVersion, b.Platform, b.Url, b.ObjectKey, null);
        if (StoreKeys.ProblemWith(b.Key, entry, "object_key") is { } problem)
        {
            return problem;
        }
        if (b.CopyFrom is { } from && !StoreKeys.IsBottleKey(from))
        {
            return $"copy_from '{Humanize.Clip(from)}' is not a bottle's key";
        }
        if (b.Serves.FirstOrDefault(t => !StoreKeys.IsTag(t)) is { } tag)
        {
            return $"serves: '{Humanize.Clip(tag)}' is not a bottle tag";
        }
        return null;
    }

    private static bool IsDate(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static string? FirstNull<T>(string list, IReadOnlyList<T> items) where T : class
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                return $"{list}[{i}]";
            }
        }
        return null;
    }

    internal Task SaveStateAsync(string key, PlanState state, CancellationToken cancellationToken) =>
        _documents.PutDocumentAsync(StateKey(key), JsonSerializer.SerializeToUtf8Bytes(state, PlanJsonContext.Default.PlanState), Json, cancellationToken);

    public static string StateKey(string key) => (key.EndsWith(".json", StringComparison.Ordinal) ? key[..^5] : key) + ".state.json";
}

/// <summary>
/// Plans and their state as JSON, generated at build time. A null in a member the types do not allow to be null
/// (<c>"bottles": null</c>, a bottle's <c>"url": null</c>) makes the document unreadable, as a missing required key does,
/// rather than a plan that fails later. A null element inside a list is found after reading (PlanRepository.NullElementIn).
/// </summary>
[JsonSourceGenerationOptions(RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SyncPlan))]
[JsonSerializable(typeof(PlanState))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
