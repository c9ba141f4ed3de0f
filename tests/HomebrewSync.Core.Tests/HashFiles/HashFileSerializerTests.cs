using System.Text;
using System.Text.Json;

namespace HomebrewSync.Core.Tests.HashFiles;

public sealed class HashFileSerializerTests
{
    private static HashFile Sample()
    {
        var m = new HashFile(lastUpdated: new DateTimeOffset(2025, 7, 21, 3, 8, 42, TimeSpan.Zero));
        m.Set("curl-8.2.1-arm64_sonoma", new HashEntry(new string('a', 64), new DateOnly(2025, 7, 21), 1048576, "curl", "8.2.1", "arm64_sonoma",
            "https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:" + new string('a', 64), "2025-07-21/curl-8.2.1.arm64_sonoma.bottle.tar.gz"));
        m.Set("curl-8.2.1-arm64_ventura", new HashEntry(new string('b', 64), new DateOnly(2025, 7, 21), 1052672, "curl", "8.2.1", "arm64_ventura",
            "https://ghcr.io/v2/homebrew/core/curl/blobs/sha256:" + new string('b', 64), "2025-07-21/curl-8.2.1.arm64_ventura.bottle.tar.gz"));
        m.Set("node-20.5.1-arm64_sonoma", new HashEntry(new string('c', 64), new DateOnly(2025, 7, 14), 15728640, "node", "20.5.1", "arm64_sonoma",
            "https://ghcr.io/v2/homebrew/core/node/blobs/sha256:" + new string('c', 64), "2025-07-14/node-20.5.1.arm64_sonoma.bottle.tar.gz"));
        return m;
    }

    [Fact]
    public async Task WriteAsync_LaysOutTheReferenceSchemaInOrderWithStatistics()
    {
        var bytes = await HashFileSerializer.ToBytesAsync(Sample(), CancellationToken.None);
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;

        Assert.Equal(["last_updated", "sync_version", "total_bottles", "total_size_bytes", "platforms", "bottles", "statistics"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2025-07-21T03:08:42Z", root.GetProperty("last_updated").GetString());
        Assert.Equal("1.0.0", root.GetProperty("sync_version").GetString());
        Assert.Equal(3, root.GetProperty("total_bottles").GetInt32());
        Assert.Equal(1048576 + 1052672 + 15728640, root.GetProperty("total_size_bytes").GetInt64());
        Assert.Equal(["arm64_sonoma", "arm64_ventura"], root.GetProperty("platforms").EnumerateArray().Select(e => e.GetString()));
        var entry = root.GetProperty("bottles").GetProperty("curl-8.2.1-arm64_sonoma");
        Assert.Equal(["sha256", "download_date", "file_size", "formula_name", "formula_version", "platform", "url", "s3_key"],
            entry.EnumerateObject().Select(p => p.Name));
        var byPlatform = root.GetProperty("statistics").GetProperty("by_platform");
        Assert.Equal(2, byPlatform.GetProperty("arm64_sonoma").GetProperty("count").GetInt32());
        Assert.Equal(1048576 + 15728640, byPlatform.GetProperty("arm64_sonoma").GetProperty("total_size_bytes").GetInt64());
        var byDate = root.GetProperty("statistics").GetProperty("by_date");
        Assert.Equal(["2025-07-21", "2025-07-14"], byDate.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, byDate.GetProperty("2025-07-21").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Read_WhatWasWritten_RoundTrips()
    {
        var original = Sample();
        var bytes = await HashFileSerializer.ToBytesAsync(original, CancellationToken.None);

        var read = HashFileSerializer.Read(bytes, "test");

        Assert.Equal(original.Bottles, read.Bottles);
        Assert.Equal(original.LastUpdated, read.LastUpdated);
    }

    [Fact]
    public async Task Read_AFileSavedWithAByteOrderMark_ReadsAsWithout()
    {
        var original = Sample();
        var bytes = await HashFileSerializer.ToBytesAsync(original, CancellationToken.None);

        var read = HashFileSerializer.Read([0xEF, 0xBB, 0xBF, .. bytes], "test");

        Assert.Equal(original.Bottles, read.Bottles);
    }

    [Fact]
    public async Task PulledAt_KeepsItsFraction_SoAPullInTheLastRunsFinalSecondStillCountsAsAfterIt()
    {
        var original = Sample();
        var finished = new DateTimeOffset(2025, 7, 23, 9, 30, 0, TimeSpan.Zero).AddMilliseconds(400);
        original.Set("curl-8.2.1-arm64_sonoma", original.Bottles["curl-8.2.1-arm64_sonoma"] with { PulledAt = finished.AddMilliseconds(300) });
        var bytes = await HashFileSerializer.ToBytesAsync(original, CancellationToken.None);

        var read = HashFileSerializer.Read(bytes, "test");

        Assert.Equal(finished.AddMilliseconds(300), read.Bottles["curl-8.2.1-arm64_sonoma"].PulledAt);
        Assert.Equal(1, HomebrewSync.Core.Pipeline.RunFinisher.PulledSince(read, finished));
    }

    [Fact]
    public async Task APulledBottle_CarriesPulledAt_AnExtraFieldTheReferencesShapeLacks_AndRoundTrips()
    {
        var original = Sample();
        var pulledAt = new DateTimeOffset(2025, 7, 23, 9, 30, 0, TimeSpan.Zero);
        original.Set("curl-8.2.1-arm64_sonoma", original.Bottles["curl-8.2.1-arm64_sonoma"] with { PulledAt = pulledAt });
        var bytes = await HashFileSerializer.ToBytesAsync(original, CancellationToken.None);
        using var doc = JsonDocument.Parse(bytes);

        var bottles = doc.RootElement.GetProperty("bottles");
        Assert.Equal("2025-07-23T09:30:00Z", bottles.GetProperty("curl-8.2.1-arm64_sonoma").GetProperty("pulled_at").GetString());
        Assert.False(bottles.GetProperty("node-20.5.1-arm64_sonoma").TryGetProperty("pulled_at", out _));
        var read = HashFileSerializer.Read(bytes, "test");
        Assert.Equal(pulledAt, read.Bottles["curl-8.2.1-arm64_sonoma"].PulledAt);
        Assert.Equal(original.Bottles, read.Bottles);
    }

    [Theory]
    [InlineData("{\"bottles\": {\"x\": {\"sha256\": \"abc\"}}}")]
    [InlineData("{\"last_updated\": \"2025-07-21T03:08:42Z\"}")]
    [InlineData("{\"bottles\": {")]
    [InlineData("not json")]
    public void Read_Corrupt_ThrowsNamingTheLocation(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        var ex = Assert.Throws<HashFileCorruptException>(() => HashFileSerializer.Read(bytes, "/m/bottles_hash.json"));

        Assert.Contains("/m/bottles_hash.json", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("key")]
    [InlineData("s3_key")]
    public void Read_EntryWithAHugeKey_QuotesItsStartAndLength_NotAllOfIt(string which)
    {
        var huge = "a" + new string('b', 99_999);
        var sha = new string('c', 64);
        var key = which == "key" ? huge : "curl-8.2.1-monterey";
        var s3Key = which == "s3_key" ? huge : "2025-07-21/curl-8.2.1.monterey.bottle.tar.gz";
        var json = "{\"bottles\": {\"" + key + "\": {\"sha256\": \"" + sha + "\", \"download_date\": \"2025-07-21\", \"file_size\": 5, "
            + "\"formula_name\": \"curl\", \"formula_version\": \"8.2.1\", \"platform\": \"monterey\", \"url\": \"u\", \"s3_key\": \"" + s3Key + "\"}}}";
        var bytes = Encoding.UTF8.GetBytes(json);

        var ex = Assert.Throws<HashFileCorruptException>(() => HashFileSerializer.Read(bytes, "/m/bottles_hash.json"));

        Assert.Contains("… (100,000 characters)", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 1_000, $"{ex.Message.Length:N0} characters");
    }
}
