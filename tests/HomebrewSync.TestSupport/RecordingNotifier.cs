using System.Collections.Concurrent;
using HomebrewSync.Core.Notifications;

namespace HomebrewSync.TestSupport;

/// <summary>The notifier port in memory: every message, in order, with the channel it went to.</summary>
public sealed class RecordingNotifier : INotifier
{
    private readonly ConcurrentQueue<(string? Channel, SlackMessage Message)> _sent;
    private readonly string? _channel;

    public RecordingNotifier()
        : this(new ConcurrentQueue<(string?, SlackMessage)>(), null)
    {
    }

    private RecordingNotifier(ConcurrentQueue<(string?, SlackMessage)> sent, string? channel)
    {
        _sent = sent;
        _channel = channel;
    }

    public IReadOnlyList<SlackMessage> Messages => _sent.Select(m => m.Message).ToArray();

    /// <summary>The header of each message ("✅ Homebrew Bottles Sync Complete", ...).</summary>
    public IReadOnlyList<string> Headers => _sent.Select(m => ((HeaderBlock)m.Message.Blocks[0]).Text).ToArray();

    public Task NotifyAsync(SlackMessage message, CancellationToken cancellationToken)
    {
        _sent.Enqueue((_channel, message));
        return Task.CompletedTask;
    }

    public INotifier WithChannel(string channel) => new RecordingNotifier(_sent, channel);
}
