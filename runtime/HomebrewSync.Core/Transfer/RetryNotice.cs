namespace HomebrewSync.Core.Transfer;

/// <param name="Attempt">The attempt that failed (1 = the first).</param>
public sealed record RetryNotice(string Subject, int Attempt, TimeSpan Delay, string Reason);
