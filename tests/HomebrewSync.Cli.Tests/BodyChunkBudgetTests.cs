using HomebrewSync.Cli.Serving;

namespace HomebrewSync.Cli.Tests;

/// <summary>serve's reads of stored bodies: large while the budget lasts, small past it, so slow clients cannot hold large reads without end.</summary>
public sealed class BodyChunkBudgetTests
{
    private const int Large = BodyChunkBudget.LargeRead;
    private const int Small = BodyChunkBudget.SmallRead;

    [Fact]
    public void ABodyLargerThanASmallRead_IsReadInLargeReads_WhileTheBudgetLasts_ThenInSmallOnes()
    {
        var budget = new BodyChunkBudget(3L * Large);

        var taken = Enumerable.Range(0, 3).Select(_ => budget.Take(10L * Large)).ToArray();

        Assert.All(taken, size => Assert.Equal(Large, size));
        Assert.Equal(3L * Large, budget.Taken);
        // A fourth connection finds it taken: small reads, nothing more held.
        Assert.Equal(Small, budget.Take(10L * Large));
        Assert.Equal(3L * Large, budget.Taken);

        budget.Return(Large);

        Assert.Equal(Large, budget.Take(10L * Large));
    }

    [Fact]
    public void TheLastPartOfABody_IsReadAtItsSize_AndWhatIsReturnedIsWhatWasTaken()
    {
        var budget = new BodyChunkBudget(Large);

        var tail = budget.Take(Small + 1);

        Assert.Equal(Small + 1, tail);
        Assert.Equal(Small + 1, budget.Taken);
        budget.Return(tail);
        Assert.Equal(0, budget.Taken);
    }

    [Fact]
    public void ASmallBody_NeedsNoBudget_EvenWhenItIsTaken()
    {
        var budget = new BodyChunkBudget(Large);
        var held = budget.Take(2L * Large);

        var small = budget.Take(20_000);
        budget.Return(small);

        Assert.Equal(20_000, small);
        Assert.Equal(held, budget.Taken);
    }

    [Fact]
    public void ReadsTakenAndReturnedFromManyThreads_LeaveTheBudgetWhole_AndNeverPastIt()
    {
        var budget = new BodyChunkBudget(8L * Large);
        long most = 0;

        Parallel.For(0, 10_000, _ =>
        {
            var size = budget.Take(5L * Large);
            var now = budget.Taken;
            long seen;
            while ((seen = Interlocked.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen)
            {
            }
            budget.Return(size);
        });

        Assert.Equal(0, budget.Taken);
        Assert.InRange(most, 0, 8L * Large);
    }
}
