namespace HomebrewSync.Core.Planning;

/// <summary>What to plan for.</summary>
/// <param name="Formulae">Only these formulae (a selective sync); null for all.</param>
/// <param name="RebuildHash">Rebuild the hash file from the objects' metadata first (force_rebuild_hash).</param>
public sealed record PlanRequest(
    IReadOnlyList<string> Platforms,
    IReadOnlyCollection<string>? Formulae,
    bool Force,
    bool IncludeDisabled,
    DateOnly SyncDate,
    Uri ApiUrl,
    RunLabels Labels,
    bool RebuildHash = false);
