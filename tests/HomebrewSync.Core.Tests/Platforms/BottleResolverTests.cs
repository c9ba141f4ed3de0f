using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Platforms;

namespace HomebrewSync.Core.Tests.Platforms;

public sealed class BottleResolverTests
{
    private static Formula With(params string[] tags) => new("f", "1.0", 0, false,
        tags.ToDictionary(t => t, t => new BottleFile(t, new Uri($"https://r/{t}"), new string('a', 64), null), StringComparer.Ordinal));

    [Theory]
    [InlineData("arm64_sonoma", new[] { "arm64_sonoma", "arm64_ventura", "all" }, "arm64_sonoma")]
    [InlineData("arm64_sonoma", new[] { "all", "arm64_ventura" }, "all")]
    [InlineData("arm64_sonoma", new[] { "arm64_monterey", "arm64_ventura", "sonoma" }, "arm64_ventura")]
    [InlineData("arm64_tahoe", new[] { "arm64_sequoia", "arm64_sonoma" }, "arm64_sequoia")]
    [InlineData("monterey", new[] { "big_sur", "catalina", "arm64_monterey" }, "big_sur")]
    [InlineData("ventura", new[] { "arm64_ventura", "sonoma" }, null)]
    [InlineData("big_sur", new[] { "monterey" }, null)]
    [InlineData("x86_64_linux", new[] { "arm64_linux", "monterey" }, null)]
    public void Resolve_FollowsBrewsOrder(string target, string[] available, string? expected)
    {
        var file = BottleResolver.Resolve(With(available), PlatformTag.Parse(target));

        Assert.Equal(expected, file?.Tag);
    }
}
