using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.Tests.Catalog;

public sealed class BottleNamingTests
{
    [Theory]
    [InlineData("https://ghcr.io/v2/homebrew/core/openssl/3/blobs/sha256:abc", "https://ghcr.io/v2/homebrew/core/openssl/3")]
    [InlineData("https://GHCR.io:443/v2/homebrew/core/libxmlxx/blobs/sha256:abc?x=1#f", "https://ghcr.io/v2/homebrew/core/libxmlxx")]
    [InlineData("http://user:pw@127.0.0.1:8080/v2/homebrew/core/a%40b/blobs/sha256:abc", "http://user:pw@127.0.0.1:8080/v2/homebrew/core/a%40b")]
    [InlineData("https://mirror.example/v2/x/./y/../z/blobs/sha256:abc", "https://mirror.example/v2/x/z")]
    [InlineData("https://mirror.example/blobs/sha256:abc", "https://mirror.example/")]
    [InlineData("https://mirror.example/v2/blobs/blobs/sha256:abc", "https://mirror.example/v2/blobs")]
    public void ImageUrlOf_IsTheImageAsAUriWouldWriteIt(string blobUrl, string image)
    {
        var url = new Uri(blobUrl);

        Assert.Equal(image, BottleNaming.ImageUrlOf(url));
        // What it replaces: the image parsed again and written out.
        Assert.Equal(new Uri(url.GetLeftPart(UriPartial.Path)[..url.GetLeftPart(UriPartial.Path).LastIndexOf("/blobs/", StringComparison.Ordinal)]).AbsoluteUri, BottleNaming.ImageUrlOf(url));
        Assert.Equal(image, BottleNaming.ImageBaseOf(url)!.AbsoluteUri);
    }

    [Fact]
    public void ImageUrlOf_AUrlThatIsNoBlob_IsNull() =>
        Assert.Null(BottleNaming.ImageUrlOf(new Uri("https://ghcr.io/v2/homebrew/core/openssl/3/manifests/3.0.1")));
}
