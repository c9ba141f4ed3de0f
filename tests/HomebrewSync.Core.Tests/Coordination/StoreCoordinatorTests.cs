using HomebrewSync.Core.Coordination;

namespace HomebrewSync.Core.Tests.Coordination;

public sealed class StoreCoordinatorTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(120);
    private readonly InMemoryStore _store = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
    private readonly List<string> _log = [];

    private StoreCoordinator Coordinator() => new(_store, _time, Duration, "memory://store");

    private Task<StoreLease> AcquireAsync(LeaseMode mode, string purpose = "test") =>
        Coordinator().AcquireAsync(mode, purpose, TimeSpan.Zero, _log.Add, CancellationToken.None);

    private async Task<string[]> LeasesAsync()
    {
        var keys = new List<string>();
        await foreach (var k in _store.ListLeasesAsync(CancellationToken.None))
        {
            keys.Add(k);
        }
        return keys.ToArray();
    }

    [Fact]
    public async Task AcquireAsync_TwoSyncs_BothHoldASharedLease()
    {
        await using var a = await AcquireAsync(LeaseMode.Shared);
        await using var b = await AcquireAsync(LeaseMode.Shared);

        Assert.NotEqual(a.Key, b.Key);
        Assert.Equal(2, (await LeasesAsync()).Length);
    }

    [Fact]
    public async Task AcquireAsync_PruneWhileASyncHoldsTheStore_IsRefusedNamingTheSync_AndLeavesNoLeaseBehind()
    {
        await using var sync = await AcquireAsync(LeaseMode.Shared, "sync");
        _time.Advance(TimeSpan.FromSeconds(30));

        var busy = await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));

        Assert.Contains($"in use by sync on {Environment.MachineName} (pid {Environment.ProcessId}), holding it for 30 seconds", busy.Message, StringComparison.Ordinal);
        Assert.Equal([sync.Key], await LeasesAsync());
    }

    [Fact]
    public async Task AcquireAsync_SyncWhilePruneHoldsTheStore_IsRefused_AndWaitingGetsItOncePruneReleases()
    {
        var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");

        var busy = await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Shared, "sync"));
        Assert.Contains("in use by prune", busy.Message, StringComparison.Ordinal);

        var waiting = Coordinator().AcquireAsync(LeaseMode.Shared, "sync", TimeSpan.FromMinutes(15), _log.Add, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        Assert.Contains(_log, l => l.StartsWith("Waiting for the store: it is in use by prune", StringComparison.Ordinal));
        await prune.DisposeAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        await using var sync = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("leases/shared-", sync.Key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_WaitRunsOut_NamesTheHolderAndHowLongItWaited()
    {
        await using var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");

        var waiting = Coordinator().AcquireAsync(LeaseMode.Shared, "sync", TimeSpan.FromSeconds(5), _log.Add, CancellationToken.None);
        for (var i = 0; i < 50 && !waiting.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        var busy = await Assert.ThrowsAsync<StoreBusyException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("waited 5 seconds", busy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_CrashedPruneLeaseExpires_AndIsTakenOver()
    {
        // A prune killed with its lease in place: it never renews it.
        var crashed = new LeaseRecord("exclusive", "prune", "elsewhere", 1, _time.GetUtcNow(), _time.GetUtcNow() + Duration);
        await _store.TryCreateLeaseAsync(StoreCoordinator.ExclusiveKey, crashed.ToBytes(), CancellationToken.None);
        await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));

        // Expired, but within the allowance for another machine's clock: still honoured.
        _time.Advance(Duration);
        await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));
        _time.Advance(Duration / 2);

        await using var sync = await AcquireAsync(LeaseMode.Shared, "sync");
        await sync.DisposeAsync();
        await using var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");
        var held = LeaseRecord.Parse((await _store.ReadLeaseAsync(StoreCoordinator.ExclusiveKey, CancellationToken.None))!.Value.Content)!;
        Assert.Equal(Environment.ProcessId, held.Pid);
    }

    [Fact]
    public async Task AcquireAsync_CrashedSyncLeaseExpires_AndNoLongerBlocksPrune()
    {
        var crashed = new LeaseRecord("shared", "sync", "elsewhere", 1, _time.GetUtcNow(), _time.GetUtcNow() + Duration);
        await _store.TryCreateLeaseAsync($"leases/shared-{Guid.NewGuid():N}.json", crashed.ToBytes(), CancellationToken.None);
        await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));

        _time.Advance(Duration * 1.5);

        await using var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");
        Assert.Equal(StoreCoordinator.ExclusiveKey, prune.Key);
    }

    /// <summary>A lease taken on a machine that is then paused for two lease durations: its clock stands still while this test's moves on.</summary>
    private async Task<StoreLease> AcquireOnAPausedMachineAsync(LeaseMode mode, string purpose)
    {
        var paused = new FakeTimeProvider(_time.GetUtcNow());
        var lease = await new StoreCoordinator(_store, paused, Duration, "memory://store").AcquireAsync(mode, purpose, TimeSpan.Zero, _log.Add, CancellationToken.None);
        _time.Advance(Duration * 2);
        return lease;
    }

    [Fact]
    public async Task AcquireAsync_SyncFindingAPruneLeaseExpired_EndsIt_SoAPrunePausedMeanwhileLearnsItFromTheStore()
    {
        // The prune's machine was paused: its clock stands still, so by its own clock its lease is fine.
        await using var prune = await AcquireOnAPausedMachineAsync(LeaseMode.Exclusive, "prune");

        await using var sync = await AcquireAsync(LeaseMode.Shared, "sync");

        Assert.Null(prune.Check());
        Assert.Contains("taken over or removed by another command", await prune.ConfirmAsync(CancellationToken.None), StringComparison.Ordinal);
        Assert.True(prune.Lost.IsCancellationRequested);
        // The sync's lease is untouched, and the ended one is no holder.
        Assert.Null(await sync.ConfirmAsync(CancellationToken.None));
        await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));
    }

    [Fact]
    public async Task AcquireAsync_PruneFindingASyncLeaseExpired_RemovesIt_SoASyncPausedMeanwhileLearnsItFromTheStore()
    {
        await using var sync = await AcquireOnAPausedMachineAsync(LeaseMode.Shared, "sync");

        await using var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");

        Assert.Equal([StoreCoordinator.ExclusiveKey], await LeasesAsync());
        Assert.Contains("taken over or removed by another command", await sync.ConfirmAsync(CancellationToken.None), StringComparison.Ordinal);
        Assert.Null(await prune.ConfirmAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AcquireAsync_PruneFindingASyncLeaseExpired_WhichItsSyncRenewsMeanwhile_StepsBack_AndLeavesTheSyncItsLease()
    {
        // The sync's clock is behind: by the prune's clock its lease has run out, yet it renews it while the prune looks.
        await using var sync = await AcquireOnAPausedMachineAsync(LeaseMode.Shared, "sync");
        var store = new RenewedWhileRead(_store, sync.Key, async () => Assert.Null(await sync.ConfirmAsync(CancellationToken.None)));

        var busy = await Assert.ThrowsAsync<StoreBusyException>(() =>
            new StoreCoordinator(store, _time, Duration, "memory://store").AcquireAsync(LeaseMode.Exclusive, "prune", TimeSpan.Zero, _log.Add, CancellationToken.None));

        Assert.Contains("in use by sync", busy.Message, StringComparison.Ordinal);
        Assert.Equal([sync.Key], await LeasesAsync());
        Assert.Null(await sync.ConfirmAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AcquireAsync_PruneFindingASyncLeaseExpired_WhichItsSyncRemovesMeanwhile_HoldsTheStore()
    {
        // The sync finishes (removes its lease) between the prune's read of it and the prune's end of it.
        var sync = await AcquireOnAPausedMachineAsync(LeaseMode.Shared, "sync");
        var store = new RenewedWhileRead(_store, sync.Key, async () => await sync.DisposeAsync());

        await using var prune = await new StoreCoordinator(store, _time, Duration, "memory://store").AcquireAsync(LeaseMode.Exclusive, "prune", TimeSpan.Zero, _log.Add,
            CancellationToken.None);

        Assert.Equal([StoreCoordinator.ExclusiveKey], await LeasesAsync());
    }

    /// <summary>A store whose lease at <paramref name="key"/> is renewed by its holder (<paramref name="renew"/>) right after it is first read.</summary>
    private sealed class RenewedWhileRead(InMemoryStore inner, string key, Func<Task> renew) : HomebrewSync.Core.Storage.ILeaseStore
    {
        private bool _renewed;

        public Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken) => inner.TryCreateLeaseAsync(key, content, cancellationToken);

        public Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken) =>
            inner.TryReplaceLeaseAsync(key, content, expectedVersion, cancellationToken);

        public async Task<(byte[] Content, string Version)?> ReadLeaseAsync(string leaseKey, CancellationToken cancellationToken)
        {
            var read = await inner.ReadLeaseAsync(leaseKey, cancellationToken);
            if (leaseKey == key && !_renewed)
            {
                _renewed = true;
                await renew();
            }
            return read;
        }

        public IAsyncEnumerable<string> ListLeasesAsync(CancellationToken cancellationToken) => inner.ListLeasesAsync(cancellationToken);

        public Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken) => inner.DeleteLeaseAsync(key, expectedVersion, cancellationToken);
    }

    [Fact]
    public async Task Lease_RenewedWhileHeld_OutlivesItsDuration()
    {
        await using var sync = await AcquireAsync(LeaseMode.Shared, "sync");

        for (var i = 0; i < 20; i++)
        {
            _time.Advance(Duration / 6);
            await Task.Delay(10);
        }

        Assert.False(sync.Lost.IsCancellationRequested);
        await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));
    }

    [Fact]
    public async Task Lease_TakenOverByAnother_IsLost_AndItsHolderDoesNotRemoveTheNewOne()
    {
        var sync = await AcquireAsync(LeaseMode.Shared, "sync");
        var current = (await _store.ReadLeaseAsync(sync.Key, CancellationToken.None))!.Value;
        await _store.TryReplaceLeaseAsync(sync.Key, [1, 2, 3], current.Version, CancellationToken.None);

        _time.Advance(Duration / 6);
        _time.Advance(Duration / 6);
        await Task.Delay(TimeSpan.FromSeconds(5), sync.Lost).ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.True(sync.Lost.IsCancellationRequested);
        Assert.Contains("taken over or removed", sync.LostReason, StringComparison.Ordinal);
        await sync.DisposeAsync();
        Assert.Equal([sync.Key], await LeasesAsync());
    }

    [Fact]
    public async Task Lease_WhoseRenewalsFail_IsLostBeforeItExpires_AndNeverRenewedBackToLife()
    {
        var store = new FailingRenewals(_store);
        await using var sync = await new StoreCoordinator(store, _time, Duration, "memory://store").AcquireAsync(LeaseMode.Shared, "sync", TimeSpan.Zero, _log.Add, CancellationToken.None);
        var expires = LeaseRecord.Parse((await _store.ReadLeaseAsync(sync.Key, CancellationToken.None))!.Value.Content)!.ExpiresAt;

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(Duration / 6);
            await Task.Delay(10);
        }

        Assert.True(sync.Lost.IsCancellationRequested);
        Assert.True(_time.GetUtcNow() < expires, "lost only once it had expired: others could already have started");
        Assert.Contains("not renewed in time", sync.LostReason, StringComparison.Ordinal);
        store.Fail = false;
        _time.Advance(Duration / 3);
        await Task.Delay(10);
        Assert.Equal(expires, LeaseRecord.Parse((await _store.ReadLeaseAsync(sync.Key, CancellationToken.None))!.Value.Content)!.ExpiresAt);
    }

    [Fact]
    public async Task Confirm_WhenTheStoreDoesNotAnswer_IsJudgedByTheClock_NotTakenForALoss()
    {
        // A renewal that fails (a 5xx, a network blip) proves nothing: one such answer ended a prune or a finishing sync.
        var store = new FailingRenewals(_store);
        await using var prune = await new StoreCoordinator(store, _time, Duration, "memory://store").AcquireAsync(LeaseMode.Exclusive, "prune", TimeSpan.Zero, _log.Add, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await prune.ConfirmAsync(CancellationToken.None));
        Assert.False(prune.Lost.IsCancellationRequested);
        // Past what the clock allows without a renewal, it is lost all the same.
        _time.Advance(Duration);
        Assert.Contains("not renewed in time", await prune.ConfirmAsync(CancellationToken.None), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lease_OfAMachineThatSleptPastItsExpiry_IsLostWithinASecondOfWaking()
    {
        await using var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");
        var expires = LeaseRecord.Parse((await _store.ReadLeaseAsync(prune.Key, CancellationToken.None))!.Value.Content)!.ExpiresAt;

        // Asleep: the wall clock moves on past the lease's end, the monotonic clock (and every timer on it) stands still.
        _time.AdjustTime(_time.GetUtcNow() + Duration + TimeSpan.FromMinutes(5));
        Assert.False(prune.Lost.IsCancellationRequested);
        // Awake for a second.
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(prune.Lost.IsCancellationRequested, "a prune that woke on an expired lease must stop before its next deletion");
        Assert.Contains("not renewed in time", prune.LostReason, StringComparison.Ordinal);
        _time.Advance(Duration / 3);
        await Task.Delay(10);
        Assert.Equal(expires, LeaseRecord.Parse((await _store.ReadLeaseAsync(prune.Key, CancellationToken.None))!.Value.Content)!.ExpiresAt);
    }

    /// <summary>The lease port of a store whose writes fail (an S3 outage) while asked to.</summary>
    private sealed class FailingRenewals(InMemoryStore inner) : Core.Storage.ILeaseStore
    {
        public bool Fail { get; set; } = true;
        public Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken) => inner.TryCreateLeaseAsync(key, content, cancellationToken);
        public Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken) =>
            Fail ? throw new IOException("store unreachable") : inner.TryReplaceLeaseAsync(key, content, expectedVersion, cancellationToken);
        public Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken) => inner.ReadLeaseAsync(key, cancellationToken);
        public IAsyncEnumerable<string> ListLeasesAsync(CancellationToken cancellationToken) => inner.ListLeasesAsync(cancellationToken);
        public Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken) => inner.DeleteLeaseAsync(key, expectedVersion, cancellationToken);
    }

    [Fact]
    public async Task DisposeAsync_ReleasesTheLease()
    {
        var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");

        await prune.DisposeAsync();

        Assert.Empty(await LeasesAsync());
        await using var sync = await AcquireAsync(LeaseMode.Shared, "sync");
    }

    [Fact]
    public async Task AcquireAsync_ExclusiveLeaseUntilYear9999_HoldsTheStore_AndTheRefusalSaysToRemoveIt()
    {
        // Further ahead than any holder renews a lease: a clock far off, or an object written by hand.
        var forever = new LeaseRecord("exclusive", "prune", "elsewhere", 1, _time.GetUtcNow(), DateTimeOffset.MaxValue);
        await _store.TryCreateLeaseAsync(StoreCoordinator.ExclusiveKey, forever.ToBytes(), CancellationToken.None);

        var sync = await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Shared, "sync"));
        var prune = await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));

        Assert.EndsWith("it will not end by itself: once you know no command is working on the store, remove leases/exclusive.json.", sync.Message, StringComparison.Ordinal);
        Assert.Contains("lease until 9999-12-31 23:59:59 UTC", prune.Message, StringComparison.Ordinal);
        Assert.Equal([StoreCoordinator.ExclusiveKey], await LeasesAsync());
    }

    [Fact]
    public async Task AcquireAsync_SharedLeaseUntilYear9999_RefusesPrune_NamingThatLease()
    {
        var key = $"leases/shared-{Guid.NewGuid():N}.json";
        var forever = new LeaseRecord("shared", "sync", "elsewhere", 1, _time.GetUtcNow(), DateTimeOffset.MaxValue);
        await _store.TryCreateLeaseAsync(key, forever.ToBytes(), CancellationToken.None);

        var prune = await Assert.ThrowsAsync<StoreBusyException>(() => AcquireAsync(LeaseMode.Exclusive, "prune"));

        Assert.EndsWith($"remove {key}.", prune.Message, StringComparison.Ordinal);
        Assert.Equal([key], await LeasesAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AcquireAsync_StoreFailsWhileLookingForTheOtherSide_LeavesNoLeaseOfItsOwn(bool exclusive)
    {
        var mode = exclusive ? LeaseMode.Exclusive : LeaseMode.Shared;
        var failing = new FailingLookStore(_store);
        var coordinator = new StoreCoordinator(failing, _time, Duration, "memory://store");

        await Assert.ThrowsAsync<IOException>(() => coordinator.AcquireAsync(mode, "test", TimeSpan.Zero, _log.Add, CancellationToken.None));

        Assert.Empty(await LeasesAsync());
    }

    /// <summary>Writes leases, then fails every look at them (a store that stopped answering between two requests).</summary>
    private sealed class FailingLookStore(InMemoryStore inner) : HomebrewSync.Core.Storage.ILeaseStore
    {
        public Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken) => inner.TryCreateLeaseAsync(key, content, cancellationToken);

        public Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken) =>
            inner.TryReplaceLeaseAsync(key, content, expectedVersion, cancellationToken);

        public Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken) => throw new IOException("the store stopped answering");

        public async IAsyncEnumerable<string> ListLeasesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new IOException("the store stopped answering");
#pragma warning disable CS0162 // An async iterator needs a yield to be one.
            yield break;
#pragma warning restore CS0162
        }

        public Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken) => inner.DeleteLeaseAsync(key, expectedVersion, cancellationToken);
    }

    /// <summary>
    /// A prune that wrote the exclusive lease and was then paused past its expiry while it looked for syncs: meanwhile another
    /// prune found that lease expired and took it over (<paramref name="takeOver"/>, run when the first looks at the leases).
    /// </summary>
    private sealed class TakenOverWhileLooking(InMemoryStore inner, Func<Task> takeOver) : HomebrewSync.Core.Storage.ILeaseStore
    {
        public Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken) => inner.TryCreateLeaseAsync(key, content, cancellationToken);

        public Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken) =>
            inner.TryReplaceLeaseAsync(key, content, expectedVersion, cancellationToken);

        public Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken) => inner.ReadLeaseAsync(key, cancellationToken);

        public async IAsyncEnumerable<string> ListLeasesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await takeOver();
            await foreach (var key in inner.ListLeasesAsync(cancellationToken))
            {
                yield return key;
            }
        }

        public Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken) => inner.DeleteLeaseAsync(key, expectedVersion, cancellationToken);
    }

    [Fact]
    public async Task AcquireAsync_PruneSteppingBackForASync_LeavesAloneTheExclusiveLeaseAnotherTookOverMeanwhile()
    {
        await using var sync = await AcquireAsync(LeaseMode.Shared, "sync");
        var other = new LeaseRecord("exclusive", "prune", "elsewhere", 2, _time.GetUtcNow(), _time.GetUtcNow() + Duration);
        var store = new TakenOverWhileLooking(_store, async () =>
        {
            var ours = (await _store.ReadLeaseAsync(StoreCoordinator.ExclusiveKey, CancellationToken.None))!.Value;
            Assert.NotNull(await _store.TryReplaceLeaseAsync(StoreCoordinator.ExclusiveKey, other.ToBytes(), ours.Version, CancellationToken.None));
        });

        var busy = await Assert.ThrowsAsync<StoreBusyException>(() =>
            new StoreCoordinator(store, _time, Duration, "memory://store").AcquireAsync(LeaseMode.Exclusive, "prune", TimeSpan.Zero, _log.Add, CancellationToken.None));

        Assert.Contains("in use by sync", busy.Message, StringComparison.Ordinal);
        // The other prune's lease is still there, as it wrote it: it holds the store (for as long as the sync lets it).
        var held = LeaseRecord.Parse((await _store.ReadLeaseAsync(StoreCoordinator.ExclusiveKey, CancellationToken.None))!.Value.Content);
        Assert.Equal(("elsewhere", 2), (held?.Host, held?.Pid));
    }

    [Fact]
    public async Task Lease_TakenOverBeforeItsHolderFinishes_IsNotRemovedWhenItFinishes()
    {
        var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");
        var current = (await _store.ReadLeaseAsync(prune.Key, CancellationToken.None))!.Value;
        var other = new LeaseRecord("exclusive", "prune", "elsewhere", 2, _time.GetUtcNow(), _time.GetUtcNow() + Duration);
        await _store.TryReplaceLeaseAsync(prune.Key, other.ToBytes(), current.Version, CancellationToken.None);

        await prune.DisposeAsync();

        Assert.Equal(other.ToBytes(), (await _store.ReadLeaseAsync(StoreCoordinator.ExclusiveKey, CancellationToken.None))!.Value.Content);
    }

    [Fact]
    public async Task AcquireAsync_GarbledExclusiveLease_IsNotAHolder()
    {
        await _store.TryCreateLeaseAsync(StoreCoordinator.ExclusiveKey, "not json"u8.ToArray(), CancellationToken.None);

        await using var sync = await AcquireAsync(LeaseMode.Shared, "sync");
        await sync.DisposeAsync();
        await using var prune = await AcquireAsync(LeaseMode.Exclusive, "prune");
        Assert.Equal(StoreCoordinator.ExclusiveKey, prune.Key);
    }

    [Theory]
    [InlineData("leases/exclusive.json", true)]
    [InlineData("leases/shared-0123456789abcdef0123456789abcdef.json", true)]
    [InlineData("leases/shared-../../bottles_hash.json", false)]
    [InlineData("bottles_hash.json", false)]
    [InlineData("leases/shared-0123456789ABCDEF0123456789abcdef.json", false)]
    public void IsLeaseKey_AcceptsOnlyTheLeaseObjects(string key, bool expected) => Assert.Equal(expected, StoreCoordinator.IsLeaseKey(key));
}
