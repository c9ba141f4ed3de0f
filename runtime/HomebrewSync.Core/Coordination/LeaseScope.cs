namespace HomebrewSync.Core.Coordination;

/// <summary>
/// The lease the current work runs under (set around the work by <c>StoreLeases</c>, and flowing into everything the work
/// starts), asked right before each write that others rely on: a hash-file write, a deletion. A holder whose lease has run
/// out (a machine that slept, a store that stopped answering its renewals) no longer knows what others did since, so it
/// writes nothing more, even in the second before its lease's beat would notice, and even in a <c>finally</c> that records
/// what was stored. Outside any lease (a test of one part alone) nothing is asked.
/// </summary>
internal static class LeaseScope
{
    private static readonly AsyncLocal<StoreLease?> Current = new();

    /// <summary>Makes <paramref name="lease"/> the one asked from here on, in this flow of work and all it starts.</summary>
    public static void Enter(StoreLease lease) => Current.Value = lease;

    /// <param name="what">What was about to be done, for the message ("writing the hash file").</param>
    /// <exception cref="StoreLeaseLostException">The lease was lost or has run out: <paramref name="what"/> must not be done.</exception>
    public static void EnsureHeld(string what)
    {
        if (Current.Value is { } lease && lease.Check() is { } lost)
        {
            throw new StoreLeaseLostException($"Stopped before {what}: {lost}. {AfterLoss}");
        }
    }

    /// <summary>
    /// As <see cref="EnsureHeld"/>, but asking the store (<see cref="StoreLease.ConfirmAsync"/>): before a run of deletions,
    /// and every so often during it, so a holder whose clock says all is well while another command has ended its lease stops.
    /// </summary>
    /// <exception cref="StoreLeaseLostException">The store no longer holds the lease as this holder's.</exception>
    public static async Task ConfirmAsync(string what, CancellationToken cancellationToken)
    {
        if (Current.Value is { } lease && await lease.ConfirmAsync(cancellationToken) is { } lost)
        {
            throw new StoreLeaseLostException($"Stopped before {what}: {lost}. {AfterLoss}");
        }
    }

    /// <summary>What a holder that lost its lease has and has not done, and what to do.</summary>
    public const string AfterLoss = "Nothing more was written to the hash file or deleted after that; run again to go on (bottles already stored are verified and recorded then, not downloaded again).";
}
