using HomebrewSync.Core.Storage;

namespace HomebrewSync.TestSupport;

/// <summary>
/// What every store's leases must do on a delete (<see cref="ILeaseStore.DeleteLeaseAsync"/>): remove a lease only at the version
/// given. <see cref="WalkAsync"/> takes one through it, each step told as a line; a store that keeps the contract tells <see cref="Expected"/>.
/// </summary>
public static class LeaseDeletes
{
    public static readonly IReadOnlyList<string> Expected =
    [
        "delete where there is none: False",
        "delete at the version it had before another replaced it: False",
        "left: 02",
        "delete at its version now: True",
        "left: none",
        "delete again: False",
    ];

    public static async Task<IReadOnlyList<string>> WalkAsync(ILeaseStore leases, string key)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var steps = new List<string> { $"delete where there is none: {await leases.DeleteLeaseAsync(key, "\"0123\"", CancellationToken.None)}" };
        var first = await leases.TryCreateLeaseAsync(key, [1], CancellationToken.None) ?? throw new InvalidOperationException("the lease could not be created");
        var takenOver = await leases.TryReplaceLeaseAsync(key, [2], first, CancellationToken.None) ?? throw new InvalidOperationException("the lease could not be replaced");
        steps.Add($"delete at the version it had before another replaced it: {await leases.DeleteLeaseAsync(key, first, CancellationToken.None)}");
        steps.Add($"left: {await LeftAsync(leases, key)}");
        steps.Add($"delete at its version now: {await leases.DeleteLeaseAsync(key, takenOver, CancellationToken.None)}");
        steps.Add($"left: {await LeftAsync(leases, key)}");
        steps.Add($"delete again: {await leases.DeleteLeaseAsync(key, takenOver, CancellationToken.None)}");
        return steps;
    }

    private static async Task<string> LeftAsync(ILeaseStore leases, string key) =>
        await leases.ReadLeaseAsync(key, CancellationToken.None) is { } lease ? Convert.ToHexString(lease.Content) : "none";
}
