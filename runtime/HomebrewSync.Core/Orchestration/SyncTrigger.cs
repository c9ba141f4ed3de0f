using HomebrewSync.Core.Planning;

namespace HomebrewSync.Core.Orchestration;

/// <summary>What asked for a sync, reduced to what planning and messages need.</summary>
/// <param name="Labels">The Trigger shown in Slack, who asked, the priority and channel.</param>
/// <param name="Formulae">Only these formulae (Selective Sync); null for all.</param>
/// <param name="Platforms">Only these tags; null for the configured ones.</param>
/// <param name="Force">Download even what the hash file already has (force_download, sync_type "full").</param>
public sealed record SyncTrigger(
    RunLabels Labels,
    IReadOnlyList<string>? Formulae = null,
    IReadOnlyList<string>? Platforms = null,
    bool Force = false,
    bool ForceRebuildHash = false);
