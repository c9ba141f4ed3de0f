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

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("bytes=10")]
    public void Parse_NoHeaderOrNoDash_IsIgnored(string? header)
    {
        var range = ByteRange.Parse(header, 1000, out var unsatisfiable);

        Assert.Null(range);
        Assert.False(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=0-99", 0, 100)]
    [InlineData("bytes=999-999", 999, 1)]
    [InlineData("BYTES=5-9", 5, 5)]
    [InlineData("bytes= 5 - 9 ", 5, 5)]
    public void Parse_FirstAndLast_AnyCaseAndSpacing_ReturnsThoseBytes(string header, long start, long length)
    {
        var range = ByteRange.Parse(header, 1000, out var unsatisfiable);

        Assert.Equal(new ByteRange(start, length), range);
        Assert.False(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=1000-1010")]
    [InlineData("bytes=5000-6000")]
    public void Parse_FirstPastTheEndWithALast_IsUnsatisfiable(string header)
    {
        var range = ByteRange.Parse(header, 1000, out var unsatisfiable);

        Assert.Null(range);
        Assert.True(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=10-y")]
    [InlineData("bytes=+1-10")]
    public void Parse_LastNotANumberOrSignedFirst_IsIgnored(string header)
    {
        var range = ByteRange.Parse(header, 1000, out var unsatisfiable);

        Assert.Null(range);
        Assert.False(unsatisfiable);
    }

    [Fact]
    public void End_IsTheLastByteIncluded()
    {
        Assert.Equal(109, new ByteRange(10, 100).End);
    }
}
