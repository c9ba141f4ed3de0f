using HomebrewSync.Core.Serving;

namespace HomebrewSync.Core.Tests.Serving;

public sealed class ByteRangeTests
{
    [Theory]
    [InlineData("bytes=-")]
    [InlineData("bytes= - ")]
    [InlineData("bytes=-x")]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=a-")]
    [InlineData("items=0-1")]
    [InlineData("bytes=0-1,5-6")]
    public void Parse_NotAValidSingleRange_IsIgnored_TheWholeObjectIsSent(string header)
    {
        var range = ByteRange.Parse(header, 100, out var unsatisfiable);

        Assert.Null(range);
        Assert.False(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=-0", 100)]
    [InlineData("bytes=100-", 100)]
    [InlineData("bytes=0-", 0)]
    public void Parse_ValidButOutsideTheObject_IsUnsatisfiable(string header, long length)
    {
        var range = ByteRange.Parse(header, length, out var unsatisfiable);

        Assert.Null(range);
        Assert.True(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=-10", 100, 90, 10)]
    [InlineData("bytes=-500", 100, 0, 100)]
    [InlineData("bytes=10-", 100, 10, 90)]
    [InlineData("bytes=10-19", 100, 10, 10)]
    [InlineData("bytes=90-500", 100, 90, 10)]
    public void Parse_SatisfiableRange_IsResolvedAgainstTheLength(string header, long length, long start, long count)
    {
        var range = ByteRange.Parse(header, length, out var unsatisfiable);

        Assert.Equal(new ByteRange(start, count), range);
        Assert.False(unsatisfiable);
    }

    [Fact]
    public void Parse_SuffixOfAnEmptyObject_IsSatisfiedByTheWholeEmptyObject()
    {
        var range = ByteRange.Parse("bytes=-5", 0, out var unsatisfiable);

        Assert.Null(range);
        Assert.False(unsatisfiable);
    }
}
