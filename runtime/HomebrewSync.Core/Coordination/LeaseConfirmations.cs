namespace HomebrewSync.Core.Coordination;

/// <summary>
/// The lease asked of the store (<see cref="LeaseScope.ConfirmAsync"/>) before a step and every <see cref="Every"/> deletions
/// of a run of them: a holder whose clock fell behind (a paused machine) while another command found its lease expired and
/// ended it stops there, not at its next renewal.
/// </summary>
internal sealed class LeaseConfirmations(CancellationToken cancellationToken)
{
    /// <summary>How many deletions go between two confirmations.</summary>
    public const int Every = 16;

    private int _sinceLast;

    /// <param name="what">What is about to be done, for the message of a lease found lost.</param>
    public Task NowAsync(string what)
    {
        _sinceLast = 0;
        return LeaseScope.ConfirmAsync(what, cancellationToken);
    }

    /// <summary>Before each deletion: a confirmation when <see cref="Every"/> have gone since the last.</summary>
    public Task EveryFewAsync(string what) => ++_sinceLast > Every ? NowAsync(what) : Task.CompletedTask;
}
