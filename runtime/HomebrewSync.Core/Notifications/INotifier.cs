namespace HomebrewSync.Core.Notifications;

/// <summary>Where messages go (a Slack webhook). Implementations never throw for a delivery failure: a sync does not fail because Slack is down.</summary>
public interface INotifier
{
    Task NotifyAsync(SlackMessage message, CancellationToken cancellationToken);

    /// <summary>The same destination, posting to another channel (a run's notification_channel).</summary>
    INotifier WithChannel(string channel);
}
