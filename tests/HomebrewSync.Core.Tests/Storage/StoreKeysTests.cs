using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Tests.Storage;

public class StoreKeysTests
{
    [Theory]
    [InlineData("2025-07-14/curl-8.2.1.arm64_sonoma.bottle.tar.gz")]
    [InlineData("2025-07-14/curl-8.2.1.arm64_sonoma.bottle.1.tar.gz")]
    [InlineData("2024-02-29/openssl@3-3.1.2.sonoma.bottle.1234.tar.gz")]
    public void IsBottleKey_ABottlesObject_IsOne(string key) => Assert.True(StoreKeys.IsBottleKey(key));

    [Theory]
    [InlineData("2025-02-30/curl-8.2.1.sonoma.bottle.tar.gz")] // no such day
    [InlineData("2025-13-01/curl-8.2.1.sonoma.bottle.tar.gz")]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.0.tar.gz")] // a rebuild is never 0
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.12345.tar.gz")]
    [InlineData("2025-07-14/curl..sonoma.bottle.tar.gz")]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.tar.gz.part")]
    [InlineData("2025-07-14/sub/curl-8.2.1.sonoma.bottle.tar.gz")]
    [InlineData("bottles_hash.json")]
    [InlineData("x2025-07-14/curl-8.2.1.sonoma.bottle.tar.gz")]
    [InlineData("")]
    public void IsBottleKey_AnythingElse_IsNot(string key) => Assert.False(StoreKeys.IsBottleKey(key));

    [Theory]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.tar.gz", true)]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.2.tar.gz", true)]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.01.tar.gz", false)]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle..tar.gz", false)]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.1a.tar.gz", false)]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.123456.tar.gz", false)]
    [InlineData("2025-07-14/curl-8.2.1.monterey.bottle.tar.gz", false)] // another tag
    [InlineData("2025-07-14/curl-8.2.2.sonoma.bottle.tar.gz", false)] // another version
    [InlineData("2025-07-14/curlx-8.2.1.sonoma.bottle.tar.gz", false)] // another name
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle.tar", false)]
    [InlineData("2025-07-14/curl-8.2.1.sonoma.bottle", false)]
    [InlineData("curl-8.2.1.sonoma.bottle.tar.gz", false)] // no folder
    public void NamesBottle_OnlyThatBottlesFile_WithOrWithoutARebuild(string key, bool expected) =>
        Assert.Equal(expected, StoreKeys.NamesBottle(key, "curl", "8.2.1", "sonoma"));

    [Fact]
    public void NamesBottle_ANameThatIsAnotherNamesPrefix_DoesNotMatchIt()
    {
        // "a-1" with version "2" and "a" with version "1-2" give the same hash-file key text; their files differ.
        Assert.True(StoreKeys.NamesBottle("2025-07-14/a-1-2.sonoma.bottle.tar.gz", "a-1", "2", "sonoma"));
        Assert.True(StoreKeys.NamesBottle("2025-07-14/a-1-2.sonoma.bottle.tar.gz", "a", "1-2", "sonoma"));
        Assert.False(StoreKeys.NamesBottle("2025-07-14/a-1-2.sonoma.bottle.tar.gz", "a", "1", "sonoma"));
    }

    [Fact]
    public void ProblemWith_AnEntryOfItsOwnBottle_HasNone()
    {
        var entry = Entry("curl", "8.2.1", "sonoma", "2025-07-14/curl-8.2.1.sonoma.bottle.1.tar.gz");

        Assert.Null(StoreKeys.ProblemWith("curl-8.2.1-sonoma", entry));
    }

    [Fact]
    public void ProblemWith_AKeyNotItsFields_NamesTheKeyItShouldHave()
    {
        var entry = Entry("curl", "8.2.1", "sonoma", "2025-07-14/curl-8.2.1.sonoma.bottle.tar.gz");

        Assert.Equal("its key should be 'curl-8.2.1-sonoma' (name-version-platform)", StoreKeys.ProblemWith("curl-8.2.1-sonomb", entry));
        Assert.NotNull(StoreKeys.ProblemWith("curl-8.2.1-sonoma-", entry));
        Assert.NotNull(StoreKeys.ProblemWith("curl_8.2.1-sonoma", entry));
        Assert.NotNull(StoreKeys.ProblemWith("curl-8.2.1_sonoma", entry));
    }

    [Theory]
    [InlineData("2025-07-14/wget-1.0.sonoma.bottle.tar.gz")] // another bottle
    [InlineData("bottles_hash.json")] // the hash file itself
    [InlineData("2025-07-14/../bottles_hash.json")]
    public void ProblemWith_AnObjectKeyNotItsOwnBottle_IsOne(string s3Key)
    {
        var entry = Entry("curl", "8.2.1", "sonoma", s3Key);

        Assert.StartsWith($"s3_key '{s3Key}' is not this bottle's object", StoreKeys.ProblemWith("curl-8.2.1-sonoma", entry), StringComparison.Ordinal);
    }

    private static HashEntry Entry(string name, string version, string platform, string s3Key) =>
        new(new string('a', 64), new DateOnly(2025, 7, 14), 10, name, version, platform, "https://ghcr.io/v2/homebrew/core/x/blobs/sha256:" + new string('a', 64), s3Key);
}
