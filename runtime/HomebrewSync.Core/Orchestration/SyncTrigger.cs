namespace HomebrewSync.Core.Orchestration;

/// <summary>What asked for a sync, reduced to what planning and messages need.</summary>
/// <param name="Label">"Scheduled", "Manual" or "Selective": the Trigger shown in Slack.</param>
/// <param name="Formulae">Only these formulae (Selective Sync); null for all.</param>
/// <param name="Platforms">Only these tags; null for the configured ones.</param>
/// <param name="NotificationChannel">A Slack channel for this run's messages, overriding the configured one.</param>
public sealed record SyncTrigger(
    string Label,
    string? RequestedBy = null,
    string? Priority = null,
    IReadOnlyList<string>? Formulae = null,
    IReadOnlyList<string>? Platforms = null,
    bool Force = false,
    bool ForceRebuildHash = false,
    string? NotificationChannel = null);

/// <summary>A payload that is none of the accepted shapes; nothing was planned, written or sent.</summary>
public sealed class TriggerFormatException : Exception
{
    public TriggerFormatException(string message, Exception? inner = null) : base(message, inner) { }
}
