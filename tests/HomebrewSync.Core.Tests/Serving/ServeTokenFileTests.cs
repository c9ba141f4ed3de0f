using HomebrewSync.Core.Serving;

namespace HomebrewSync.Core.Tests.Serving;

public sealed class ServeTokenFileTests
{
    private const string Alice = "alice-0123456789abcdef";
    private const string AliceNew = "alice-new-9876543210fedcba";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 7, 22, 12, 0, 0, TimeSpan.Zero));
    private readonly List<string> _warnings = [];
    private readonly InMemoryTokenSource _source = new();

    private ServeTokenFile File() => new(_source, _time, TimeSpan.FromSeconds(10), _warnings.Add);

    [Fact]
    public async Task CurrentAsync_LooksAtTheSourceOncePerRefresh_AndTakesARewrite()
    {
        _source.Text = $"alice {Alice}\n";
        using var file = File();

        Assert.Equal("alice", (await file.CurrentAsync(CancellationToken.None)).OwnerOf(Alice));
        _source.Text = $"alice {AliceNew}\n";
        Assert.Equal("alice", (await file.CurrentAsync(CancellationToken.None)).OwnerOf(Alice));
        Assert.Equal(1, _source.Reads);
        _time.Advance(TimeSpan.FromSeconds(10));
        var rotated = await file.CurrentAsync(CancellationToken.None);

        Assert.Null(rotated.OwnerOf(Alice));
        Assert.Equal("alice", rotated.OwnerOf(AliceNew));
        Assert.Empty(_warnings);
    }

    [Fact]
    public async Task CurrentAsync_AMalformedOrUnreadableSource_KeepsTheLastGoodList_WarningOncePerProblem_WithoutTheToken()
    {
        _source.Text = $"alice {Alice}\n";
        using var file = File();
        await file.CurrentAsync(CancellationToken.None);

        _source.Text = $"alice {AliceNew}\nalice {Alice}x\n";
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal("alice", (await file.CurrentAsync(CancellationToken.None)).OwnerOf(Alice));
        }
        _source.Unavailable = true;
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("alice", (await file.CurrentAsync(CancellationToken.None)).OwnerOf(Alice));

        Assert.Equal(
        [
            "memory: line 2: the name is already on line 1; keeping the previous list (1 tokens)",
            "memory is unreachable; keeping the previous list (1 tokens)",
        ], _warnings);
    }

    [Fact]
    public async Task CurrentAsync_NoGoodListYet_AcceptsNoToken()
    {
        _source.Text = $"alice\n";
        using var file = File();

        var tokens = await file.CurrentAsync(CancellationToken.None);

        Assert.Equal(0, tokens.Count);
        Assert.Contains("no token is accepted until it can be read", Assert.Single(_warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CurrentAsync_ASourceThatStopsAnswering_HoldsRequestsOnlyUntilTheReloadTimeout_ThenKeepsTheLastGoodList()
    {
        _source.Text = $"alice {Alice}\n";
        using var file = File();
        await file.CurrentAsync(CancellationToken.None);
        _source.Hangs = true;
        _time.Advance(TimeSpan.FromSeconds(10));

        // The request that finds the list due waits for the re-read; one that hangs up does not stop it for the others.
        using var hungUp = new CancellationTokenSource();
        var first = file.CurrentAsync(hungUp.Token);
        var second = file.CurrentAsync(CancellationToken.None);
        await _source.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await hungUp.CancelAsync();
        Assert.False(second.IsCompleted);
        _time.Advance(ServeTokenFile.ReloadTimeout);

        Assert.Equal("alice", (await first.WaitAsync(TimeSpan.FromSeconds(30))).OwnerOf(Alice));
        Assert.Equal("alice", (await second.WaitAsync(TimeSpan.FromSeconds(30))).OwnerOf(Alice));
        Assert.Equal(2, _source.Reads); // the first read and one re-read: the second request waited for it, it did not read again
        Assert.Equal("memory did not answer within 10 s; keeping the previous list (1 tokens)", Assert.Single(_warnings));
    }

    private sealed class InMemoryTokenSource : ITokenFileSource
    {
        public string Text { get; set; } = "";
        public bool Unavailable { get; set; }
        public int Reads { get; private set; }

        public string Description => "memory";

        /// <summary>Each read waits until it is cancelled (a source that stopped answering).</summary>
        public bool Hangs { get; set; }

        /// <summary>Completed once a read that hangs has started.</summary>
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<TokenFileText?> ReadIfChangedAsync(string? stamp, CancellationToken cancellationToken)
        {
            Reads++;
            if (Unavailable)
            {
                throw new TokenFileUnavailableException("memory is unreachable");
            }
            if (Hangs)
            {
                Started.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            return stamp == Text ? null : new TokenFileText(Text, Text);
        }
    }
}
