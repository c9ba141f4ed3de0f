namespace HomebrewSync.Core.Notifications;

/// <summary>No destination configured: messages go nowhere.</summary>
public sealed class NullNotifier : INotifier
{
    public static readonly NullNotifier Instance = new();

    public Task NotifyAsync(SlackMessage message, CancellationToken cancellationToken) => Task.CompletedTask;

    public INotifier WithChannel(string channel) => this;
}
