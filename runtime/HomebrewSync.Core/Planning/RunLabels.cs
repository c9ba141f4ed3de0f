namespace HomebrewSync.Core.Planning;

/// <summary>What started a run and who asked, carried in its plan for the messages and logs.</summary>
/// <param name="Trigger">"Scheduled", "Manual", "Selective" (or the manual event's trigger_type): the Trigger shown in Slack.</param>
/// <param name="NotificationChannel">A Slack channel for this run's messages, overriding the configured one.</param>
public sealed record RunLabels(string Trigger, string? RequestedBy = null, string? Priority = null, string? NotificationChannel = null)
{
    public string Describe() =>
        Trigger + (RequestedBy is null ? "" : $", requested by {RequestedBy}") + (Priority is null ? "" : $", priority {Priority}");
}
