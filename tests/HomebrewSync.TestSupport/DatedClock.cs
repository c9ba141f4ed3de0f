namespace HomebrewSync.TestSupport;

/// <summary>
/// A machine's clock set to another date: it reads <c>start</c> plus the real time passed since it was made, and its
/// waits, timeouts and retry delays pass in real time. For a command run in the test's process that only needs "today"
/// to be a given date (prune's age of a bottle): a <c>FakeTimeProvider</c> nobody advances would hold any wait such a
/// command meets by chance (the hash-file lock retried for a moment, a request retried) for ever, where this one passes it
/// as a real machine does. A test that moves time itself uses a <c>FakeTimeProvider</c> instead.
/// </summary>
public sealed class DatedClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _started = System.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => start + System.GetElapsedTime(_started);
}
