using HomebrewSync.Core.Serving;

namespace HomebrewSync.Core.Tests.Serving;

public sealed class ByteRangeTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("items=0-10")]
    [InlineData("bytes=0-10,20-30")]
    [InlineData("bytes=10")]
    public void Parse_NoRangeThisServerHonours_ReturnsNullAndSatisfiable(string? header)
    {
        var range = ByteRange.Parse(header, 1000, out var unsatisfiable);

        Assert.Null(range);
        Assert.False(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=0-99", 0, 100)]
    [InlineData("bytes=100-199", 100, 100)]
    [InlineData("bytes=999-999", 999, 1)]
    [InlineData("BYTES=5-9", 5, 5)]
    [InlineData("bytes= 5 - 9 ", 5, 5)]
    public void Parse_FirstAndLast_ReturnsThoseBytes(string header, long start, long length)
    {
        var range = ByteRange.Parse(header, 1000, out var unsatisfiable);

        Assert.Equal(new ByteRange(start, length), range);
        Assert.False(unsatisfiable);
    }

    [Fact]
    public void Parse_OpenEnded_ReturnsTheRestOfTheObject()
    {
        var range = ByteRange.Parse("bytes=900-", 1000, out _);

        Assert.Equal(new ByteRange(900, 100), range);
        Assert.Equal(999, range!.Value.End);
    }

    [Fact]
    public void Parse_LastBeyondTheObject_ClampsToTheLastByte()
    {
        var range = ByteRange.Parse("bytes=990-5000", 1000, out var unsatisfiable);

        Assert.Equal(new ByteRange(990, 10), range);
        Assert.False(unsatisfiable);
    }

    [Fact]
    public void Parse_Suffix_ReturnsTheLastBytes()
    {
        var range = ByteRange.Parse("bytes=-100", 1000, out var unsatisfiable);

        Assert.Equal(new ByteRange(900, 100), range);
        Assert.False(unsatisfiable);
    }

    [Fact]
    public void Parse_SuffixLongerThanTheObject_ReturnsTheWholeObject()
    {
        var range = ByteRange.Parse("bytes=-5000", 1000, out _);

        Assert.Equal(new ByteRange(0, 1000), range);
    }

    [Theory]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-1010")]
    [InlineData("bytes=5000-6000")]
    public void Parse_StartAtOrPastTheEnd_IsUnsatisfiable(string header)
    {
        var range = ByteRange.Parse(header, 1000, out var unsatisfiable);

        Assert.Null(range);
        Assert.True(unsatisfiable);
    }

    [Theory]
    [InlineData("bytes=20-10")]
    [InlineData("bytes=x-10")]
    [InlineData("bytes=10-y")]
    [InlineData("bytes=+1-10")]
    public void Parse_MalformedFirstOrLast_IsIgnored(string header)
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
