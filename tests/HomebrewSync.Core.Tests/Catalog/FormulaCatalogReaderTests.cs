using System.Text;
using HomebrewSync.Core.Catalog;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Core.Tests.Catalog;

public sealed class FormulaCatalogReaderTests
{
    private static async Task<List<Formula>> ReadAsync(byte[] json, List<string>? rejected = null)
    {
        using var stream = new MemoryStream(json);
        var result = new List<Formula>();
        await foreach (var f in FormulaCatalogReader.ReadAsync(stream, r => rejected?.Add(r)))
        {
            result.Add(f);
        }
        return result;
    }

    [Fact]
    public async Task ReadAsync_BuilderCatalog_GivesVersionWithRevisionRebuildAndTagsFromData()
    {
        var python = new FormulaBuilder("python@3.11").WithVersion("3.11.4", revision: 2).WithRebuild(1)
            .WithBottle("arm64_sequoia").WithBottle("x86_64_linux").Build();
        var json = CatalogWriter.ToBytes([python], 5000);

        var formulae = await ReadAsync(json);

        var f = Assert.Single(formulae);
        Assert.Equal("python@3.11", f.Name);
        Assert.Equal("3.11.4_2", f.Version);
        Assert.Equal(1, f.Rebuild);
        Assert.Equal(["arm64_sequoia", "x86_64_linux"], f.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(python.Bottles["arm64_sequoia"].Sha256, f.Files["arm64_sequoia"].Sha256);
        Assert.Equal($"http://127.0.0.1:5000/v2/homebrew/core/python/3.11/blobs/sha256:{python.Bottles["arm64_sequoia"].Sha256}", f.Files["arm64_sequoia"].Url.AbsoluteUri);
    }

    [Fact]
    public async Task ReadAsync_FormulaWithoutBottles_HasNoFiles()
    {
        var json = CatalogWriter.ToBytes([new FormulaBuilder("source-only").Build()], 5000);

        var f = Assert.Single(await ReadAsync(json));

        Assert.Empty(f.Files);
    }

    [Theory]
    [InlineData("{\"name\":\"curl\"}")]
    [InlineData("[{\"name\":\"curl\",\"versions\":{\"stable\":\"1\"}},")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("[]")]
    [InlineData("[{\"name\":\"curl\",\"revision\":\"one\"}]")]
    public async Task ReadAsync_MalformedOrTruncatedOrEmpty_ThrowsCatalogFormatException(string json)
    {
        await Assert.ThrowsAsync<CatalogFormatException>(() => ReadAsync(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public async Task ReadAsync_UnsafeNameOrBadSha_IsRejectedAndTheRestRead()
    {
        var sha = new string('a', 64);
        var json = """
            [
              {"name":"../../etc","versions":{"stable":"1"},"bottle":{"stable":{"files":{"monterey":{"url":"https://x/y","sha256":"SHA"}}}}},
              {"name":"ok","versions":{"stable":"1"},"bottle":{"stable":{"files":{"monterey":{"url":"https://x/y","sha256":"ABC"},"ventura":{"url":"https://x/z","sha256":"SHA"}}}}},
              {"name":"badversion","versions":{"stable":"1/../2"}}
            ]
            """.Replace("SHA", sha, StringComparison.Ordinal);
        var rejected = new List<string>();

        var formulae = await ReadAsync(Encoding.UTF8.GetBytes(json), rejected);

        var ok = Assert.Single(formulae);
        Assert.Equal(["ventura"], ok.Files.Keys);
        Assert.Equal(3, rejected.Count);
    }
}
