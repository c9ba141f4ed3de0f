namespace HomebrewSync.Aws.Tests;

public sealed class S3BottleUploaderTests
{
    private const long MiB = 1 << 20;

    [Theory]
    // Up to 10,000 parts of the usual 8 MiB (78 GiB), the usual size.
    [InlineData(9 * MiB, 8 * MiB)]
    [InlineData(10_000 * 8 * MiB, 8 * MiB)]
    // Past that, the least whole MiB that keeps to 10,000 parts.
    [InlineData(10_000 * 8 * MiB + 1, 9 * MiB)]
    [InlineData(1024L * 1024 * MiB, 105 * MiB)]
    public void PartSizeFor_KeepsToS3sTenThousandParts(long length, long expected)
    {
        var size = S3BottleUploader.PartSizeFor(length, 8 * MiB);

        Assert.Equal(expected, size);
        Assert.True((length + size - 1) / size <= 10_000);
    }
}
