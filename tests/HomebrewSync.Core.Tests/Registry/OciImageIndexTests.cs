using System.Text;
using System.Text.Json;
using HomebrewSync.Core.Registry;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Core.Tests.Registry;

public sealed class OciImageIndexTests
{
    [Fact]
    public void Parse_AnIndexAsGhcrServesIt_ListsEachBottleWithItsSizeAndRefName()
    {
        var formula = new FormulaBuilder("openssl@3").WithVersion("3.5.1").WithRebuild(1)
            .WithBottle("arm64_sonoma", BlobContent.Create(1234, 1)).WithBottle("x86_64_linux", BlobContent.Create(99, 2)).WithBottle("all", BlobContent.Create(7, 3)).Build();

        var index = OciImageIndex.Parse(ImageIndexWriter.ToBytes(formula));

        var expected = formula.Bottles.OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => new ImageIndexEntry(b.Value.Sha256, b.Value.Length, ImageIndexWriter.RefName(formula, b.Key)));
        Assert.Equal(expected, index.Entries);
        Assert.True(index.Lists(formula.Bottles["all"].Sha256));
    }

    [Fact]
    public void Parse_EntriesWithoutADigestString_AreLeftOut_AndASizeThatIsNoCountIsUnknown()
    {
        var document = """
            {"schemaVersion": 2, "manifests": [
              7, "x", null, [], {},
              {"annotations": null},
              {"annotations": {"sh.brew.bottle.digest": 12}},
              {"annotations": {"sh.brew.bottle.size": "10"}},
              {"platform": {"annotations": {"sh.brew.bottle.digest": "nested"}}, "annotations": {"sh.brew.bottle.digest": "sha256:aa", "sh.brew.bottle.size": "-5", "org.opencontainers.image.ref.name": 3}},
              {"annotations": {"x": {"y": [1, {"z": 2}]}, "sh.brew.bottle.digest": "bb", "sh.brew.bottle.size": "20", "org.opencontainers.image.ref.name": "1.0.sonoma"}}
            ], "annotations": {"sh.brew.bottle.digest": "top"}}
            """;

        var index = OciImageIndex.Parse(Encoding.UTF8.GetBytes(document));

        Assert.Equal([new ImageIndexEntry("aa", null, null), new ImageIndexEntry("bb", 20, "1.0.sonoma")], index.Entries);
    }

    [Fact]
    public void Parse_ARepeatedName_CountsItsLastValue_AsATreeOfTheDocumentDoes()
    {
        var document = """
            {"manifests": [{"annotations": {"sh.brew.bottle.digest": "first"}}],
             "manifests": [{"annotations": {"sh.brew.bottle.digest": "cc"}, "annotations": {"sh.brew.bottle.digest": "dd", "sh.brew.bottle.digest": "ee", "sh.brew.bottle.size": "1", "sh.brew.bottle.size": "2"}}]}
            """;

        Assert.Equal([new ImageIndexEntry("ee", 2, null)], OciImageIndex.Parse(Encoding.UTF8.GetBytes(document)).Entries);
    }

    [Fact]
    public void Parse_ALaterManifestsThatIsNoList_LeavesNone_AsATreeOfTheDocumentDoes() =>
        Assert.Empty(OciImageIndex.Parse(Encoding.UTF8.GetBytes("""{"manifests": [{"annotations": {"sh.brew.bottle.digest": "aa"}}], "manifests": null}""")).Entries);

    [Fact]
    public void Parse_TextThatIsNoUtf8_InValuesThatDoNotCount_IsNeverRead()
    {
        // An entry without a digest whose ref.name is not UTF-8; a digest that is not UTF-8 followed by the one that counts.
        static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json).Select(b => b == (byte)'~' ? (byte)0xFF : b).ToArray();
        var document = Bytes("""
            {"manifests": [
              {"annotations": {"org.opencontainers.image.ref.name": "~", "sh.brew.bottle.size": "~"}},
              {"annotations": {"sh.brew.bottle.digest": "~"}, "annotations": {"sh.brew.bottle.digest": "~", "sh.brew.bottle.digest": "bb"}}
            ]}
            """);

        Assert.Equal([new ImageIndexEntry("bb", null, null)], OciImageIndex.Parse(document).Entries);
        // The value that counts is read: not UTF-8 there, the document is no image index.
        Assert.ThrowsAny<JsonException>(() => OciImageIndex.Parse(Bytes("""{"manifests": [{"annotations": {"sh.brew.bottle.digest": "bb", "org.opencontainers.image.ref.name": "~"}}]}""")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"manifests\": [")]
    [InlineData("{\"manifests\": [{\"annotations\": {\"sh.brew.bottle.digest\": \"aa\"}}]")]
    [InlineData("{\"manifests\": [}]}")]
    public void Parse_NoJsonDocument_IsAJsonException(string document) =>
        Assert.ThrowsAny<JsonException>(() => OciImageIndex.Parse(Encoding.UTF8.GetBytes(document)));

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"manifests\": {\"annotations\": {\"sh.brew.bottle.digest\": \"aa\"}}}")]
    public void Parse_ADocumentWithoutAManifestsList_ListsNothing(string document) =>
        Assert.Empty(OciImageIndex.Parse(Encoding.UTF8.GetBytes(document)).Entries);

    [Fact]
    public void Parse_MoreBottlesThanAnIndexLists_IsRefused()
    {
        static byte[] Listing(int entries) => Encoding.UTF8.GetBytes("{\"manifests\": ["
            + string.Join(',', Enumerable.Range(0, entries).Select(i => $"{{\"annotations\": {{\"sh.brew.bottle.digest\": \"{i:x64}\"}}}}")) + "]}");

        Assert.Equal(OciImageIndex.MaxEntries, OciImageIndex.Parse(Listing(OciImageIndex.MaxEntries)).Entries.Count);
        var refused = Assert.ThrowsAny<JsonException>(() => OciImageIndex.Parse(Listing(OciImageIndex.MaxEntries + 1)));
        Assert.Contains("more than 1,024 bottles", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ALargeDocumentOfEmptyEntries_CostsAFractionOfItsOwnSize()
    {
        // 4 MiB (MAX_IMAGE_INDEX_MB's default) of {}: a tree of it (JsonDocument) took about 12 bytes per token, ~34 MB.
        var body = new StringBuilder("{\"manifests\": [{}");
        while (body.Length < 4 << 20)
        {
            body.Append(",{}");
        }
        var document = Encoding.UTF8.GetBytes(body.Append("]}").ToString());
        OciImageIndex.Parse(Encoding.UTF8.GetBytes("{\"manifests\": [{}]}"));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var index = OciImageIndex.Parse(document);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Empty(index.Entries);
        Assert.True(allocated < 64 * 1024, $"parsing a {document.Length:N0}-byte index allocated {allocated:N0} bytes");
    }
}
