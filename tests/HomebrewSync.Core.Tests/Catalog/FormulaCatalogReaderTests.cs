using System.Text;
using HomebrewSync.Core.Catalog;

namespace HomebrewSync.Core.Tests.Catalog;

public sealed class FormulaCatalogReaderTests
{
    private static async Task<List<Formula>> ReadAsync(byte[] json, List<string>? rejected = null)
    {
        using var stream = new MemoryStream(json);
        var result = new List<Formula>();
        await foreach (var f in FormulaCatalogReader.ReadAsync(stream, long.MaxValue, r => rejected?.Add(r), CancellationToken.None))
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

    [Fact]
    public async Task ReadAsync_TrailingNewlineInNameVersionShaOrTag_IsRejected()
    {
        var sha = new string('a', 64);
        var json = """
            [
              {"name":"evil\n","versions":{"stable":"1"},"bottle":{"stable":{"files":{"monterey":{"url":"https://x/y","sha256":"SHA"}}}}},
              {"name":"badversion","versions":{"stable":"1\n"},"bottle":{"stable":{"files":{"monterey":{"url":"https://x/y","sha256":"SHA"}}}}},
              {"name":"ok","versions":{"stable":"1"},"bottle":{"stable":{"files":{"monterey":{"url":"https://x/y","sha256":"SHA\n"},"ventura\n":{"url":"https://x/z","sha256":"SHA"},"sonoma":{"url":"https://x/s","sha256":"SHA"}}}}}
            ]
            """.Replace("SHA", sha, StringComparison.Ordinal);
        var rejected = new List<string>();

        var formulae = await ReadAsync(Encoding.UTF8.GetBytes(json), rejected);

        var ok = Assert.Single(formulae);
        Assert.Equal("ok", ok.Name);
        Assert.Equal(["sonoma"], ok.Files.Keys);
        Assert.Equal(4, rejected.Count);
    }

    [Fact]
    public void Patterns_AreAnchoredAtTheVeryEnd_NotBeforeAFinalNewline()
    {
        Assert.False(BottleNaming.IsSafeName("evil\n"));
        Assert.False(BottleNaming.IsSafeVersion("1.0\n"));
        Assert.False(BottleNaming.IsSha256(new string('a', 64) + "\n"));
        Assert.False(HomebrewSync.Contracts.SyncSettingsValidator.IsWellFormedTag("arm64_sonoma\n"));
        Assert.True(BottleNaming.IsSafeName("evil"));
        Assert.True(HomebrewSync.Contracts.SyncSettingsValidator.IsWellFormedTag("arm64_sonoma"));
    }

    [Theory]
    [InlineData("{\"versions\":{\"stable\":5}}")]
    [InlineData("{\"bottle\":\"yes\"}")]
    [InlineData("{\"revision\":\"one\"}")]
    [InlineData("{\"disabled\":\"no\"}")]
    [InlineData("{\"bottle\":{\"stable\":{\"files\":{\"sonoma\":[1]}}}}")]
    public async Task ReadAsync_FieldOfTheWrongJsonType_SkipsThatFormulaOnly(string broken)
    {
        var sha = new string('a', 64);
        var good = "{\"name\":\"NAME\",\"versions\":{\"stable\":\"1\"},\"bottle\":{\"stable\":{\"files\":{\"sonoma\":{\"url\":\"https://x/y\",\"sha256\":\"SHA\"}}}}}";
        var bad = "{\"name\":\"bad\"," + broken[1..];
        var json = $"[{good.Replace("NAME", "first", StringComparison.Ordinal)},{bad},{good.Replace("NAME", "last", StringComparison.Ordinal)}]".Replace("SHA", sha, StringComparison.Ordinal);
        var rejected = new List<string>();

        var formulae = await ReadAsync(Encoding.UTF8.GetBytes(json), rejected);

        Assert.Equal(["first", "last"], formulae.Select(f => f.Name));
        var warning = Assert.Single(rejected);
        Assert.StartsWith("entry 2 (bad): $.", warning, StringComparison.Ordinal);
        Assert.Contains("wrong JSON type", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(5_000)]
    public async Task ReadAsync_AnEntryNestedDeeperThanAFormulaIsRead_IsSkippedAlone(int depth)
    {
        // Past 1,024 levels the check for a syntax error gave up too, and one such entry refused the whole catalog.
        var good = "{\"name\":\"NAME\",\"versions\":{\"stable\":\"1\"},\"bottle\":{\"stable\":{\"files\":{\"sonoma\":{\"url\":\"https://x/y\",\"sha256\":\"" + new string('a', 64) + "\"}}}}}";
        var deep = "{\"name\":\"deep\",\"x\":" + new string('[', depth) + new string(']', depth) + "}";
        var json = $"[{good.Replace("NAME", "first", StringComparison.Ordinal)},{deep},{good.Replace("NAME", "last", StringComparison.Ordinal)}]";
        var rejected = new List<string>();

        var formulae = await ReadAsync(Encoding.UTF8.GetBytes(json), rejected);

        Assert.Equal(["first", "last"], formulae.Select(f => f.Name));
        Assert.Equal("entry 2 (deep): nested deeper than the 64 levels a formula may take", Assert.Single(rejected));
    }

    [Theory]
    [InlineData("[1,{\"name\":\"ok\",\"versions\":{\"stable\":\"1\"}}]", "entry 1: not a JSON object")]
    [InlineData("[\"curl\",{\"name\":\"ok\",\"versions\":{\"stable\":\"1\"}}]", "entry 1: not a JSON object")]
    [InlineData("[null,{\"name\":\"ok\",\"versions\":{\"stable\":\"1\"}}]", "entry 1: null")]
    public async Task ReadAsync_EntryThatIsNotAnObject_IsSkipped(string json, string warning)
    {
        var rejected = new List<string>();

        var formulae = await ReadAsync(Encoding.UTF8.GetBytes(json), rejected);

        Assert.Equal("ok", Assert.Single(formulae).Name);
        Assert.Equal(warning, Assert.Single(rejected));
    }

    [Theory]
    [InlineData("[{\"name\":\"curl\",\"versions\":{\"stable\" \"1\"}}]")]
    [InlineData("[{\"name\":\"curl\"}}]")]
    [InlineData("[{\"name\":\"curl\"},]")]
    [InlineData("[{\"name\":\"curl\"}] []")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("5")]
    [InlineData("[{\"name\":\"ok\",\"versions\":{\"stable\":\"1\"}}")]
    [InlineData("[{\"name\":\"ok\",\"versions\":{\"stable\":\"1\"}},{\"name\":\"x\",\"desc\":\"cut")]
    [InlineData("[{\"name\":\"../x\"}]")]
    public async Task ReadAsync_NotAnArrayOrMalformedOrNothingUsable_ThrowsCatalogFormatException(string json)
    {
        await Assert.ThrowsAsync<CatalogFormatException>(() => ReadAsync(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public async Task ReadAsync_ByteOrderMarkAndWhitespace_AreAccepted()
    {
        var json = "\uFEFF \n[ {\"name\":\"ok\",\"versions\":{\"stable\":\"1\"},\"desc\":\"a ] } [ \\\" {\"} ]\n";

        var formulae = await ReadAsync(Encoding.UTF8.GetBytes(json));

        Assert.Equal("ok", Assert.Single(formulae).Name);
    }

    [Fact]
    public async Task ReadAsync_HugeFormula_IsSkippedWithoutBeingHeld_AndTheOthersRead()
    {
        const long Huge = 50L * 1024 * 1024;
        var sha = new string('a', 64);
        var good = "{\"name\":\"NAME\",\"versions\":{\"stable\":\"1\"},\"bottle\":{\"stable\":{\"files\":{\"sonoma\":{\"url\":\"https://x/y\",\"sha256\":\"SHA\"}}}}}".Replace("SHA", sha, StringComparison.Ordinal);
        await using var catalog = new GeneratedStream(
            Encoding.UTF8.GetBytes($"[{good.Replace("NAME", "first", StringComparison.Ordinal)},{{\"name\":\"huge\",\"versions\":{{\"stable\":\"1\"}},\"caveats\":\""),
            (byte)'x',
            Huge,
            Encoding.UTF8.GetBytes($"\"}},{good.Replace("NAME", "last", StringComparison.Ordinal)}]"));
        var rejected = new List<string>();
        var formulae = new List<Formula>();

        // The generated stream completes every read at once, so the whole read runs on this thread and its allocations are counted here.
        var before = GC.GetAllocatedBytesForCurrentThread();
        await foreach (var f in FormulaCatalogReader.ReadAsync(catalog, long.MaxValue, r => rejected.Add(r), CancellationToken.None))
        {
            formulae.Add(f);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(["first", "last"], formulae.Select(f => f.Name));
        var warning = Assert.Single(rejected);
        Assert.StartsWith("entry 2 (huge): 52,428,", warning, StringComparison.Ordinal);
        Assert.Contains("more than the 1,048,576 one formula may take", warning, StringComparison.Ordinal);
        // Holding the entry would cost 50 MB at least (twice that as a .NET string); the bound is the 1 MiB limit and a little.
        Assert.True(allocated < 8L * 1024 * 1024, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public async Task ReadAsync_EntryJustUnderTheLimit_IsRead_AndJustOver_IsSkipped()
    {
        var json = "[{\"name\":\"ok\",\"versions\":{\"stable\":\"1\"},\"desc\":\"" + new string('d', 100) + "\"}]";
        var length = Encoding.UTF8.GetByteCount(json) - 2;

        var under = await ReadWithLimitAsync(json, length);
        var over = await ReadWithLimitAsync(json, length - 1);

        Assert.Equal("ok", Assert.Single(under.Formulae).Name);
        Assert.Empty(under.Rejected);
        Assert.Empty(over.Formulae);
        Assert.StartsWith("entry 1 (ok): ", Assert.Single(over.Rejected), StringComparison.Ordinal);
    }

    private static async Task<(List<Formula> Formulae, List<string> Rejected)> ReadWithLimitAsync(string json, int limit)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var (formulae, rejected) = (new List<Formula>(), new List<string>());
        try
        {
            await foreach (var f in FormulaCatalogReader.ReadAsync(stream, long.MaxValue, limit, rejected.Add, CancellationToken.None))
            {
                formulae.Add(f);
            }
        }
        catch (CatalogFormatException)
        {
            // Nothing usable: the entries' warnings are what the test looks at.
        }
        return (formulae, rejected);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task ReadAsync_CatalogArrivingAFewBytesAtATime_ReadsTheSameAsWhole(int bytesPerRead)
    {
        // Escapes, brackets and quotes inside strings, nested arrays and bare values: every state of the splitter meets a chunk edge.
        var formulae = new[]
        {
            new FormulaBuilder("a").WithBottle("monterey", 10).WithNoise(200).Build(),
            new FormulaBuilder("b@1").WithVersion("2.0", revision: 1).WithRebuild(2).WithBottles(["sonoma", "x86_64_linux"], 10).Build(),
        };
        var json = Encoding.UTF8.GetString(CatalogWriter.ToBytes(formulae, 5000))
            .Replace("\"desc\":\"Test formula a\"", "\"desc\":\"a \\\\\\\" ] } [ { \\\\\",\"x\":[1,[2,{\"y\":null}],true,-0.5e3]", StringComparison.Ordinal);
        Assert.Contains("\\\\\\\"", json, StringComparison.Ordinal);
        var whole = await ReadAsync(Encoding.UTF8.GetBytes(json));

        using var trickle = new TrickleStream(Encoding.UTF8.GetBytes(json), bytesPerRead);
        var pieces = new List<Formula>();
        await foreach (var f in FormulaCatalogReader.ReadAsync(trickle, long.MaxValue, null, CancellationToken.None))
        {
            pieces.Add(f);
        }

        Assert.Equal(["a", "b@1"], whole.Select(f => f.Name));
        Assert.Equal(whole.Select(f => (f.Name, f.Version, f.Rebuild, string.Join(",", f.Files.Keys))), pieces.Select(f => (f.Name, f.Version, f.Rebuild, string.Join(",", f.Files.Keys))));
    }

    /// <summary>A stream that hands out at most a few bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] bytes, int perRead) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, perRead));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, perRead)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, perRead)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, perRead), cancellationToken);
    }

    /// <summary>A prefix, then <c>count</c> copies of one byte, then a suffix, made up as it is read (never held whole); every read completes at once.</summary>
    private sealed class GeneratedStream(byte[] prefix, byte fill, long count, byte[] suffix) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => prefix.Length + count + suffix.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int length) => Read(buffer.AsSpan(offset, length));

        public override int Read(Span<byte> buffer)
        {
            var n = 0;
            while (n < buffer.Length && _position < Length)
            {
                if (_position < prefix.Length)
                {
                    buffer[n] = prefix[_position];
                    (n, _position) = (n + 1, _position + 1);
                }
                else if (_position < prefix.Length + count)
                {
                    var run = (int)Math.Min(buffer.Length - n, prefix.Length + count - _position);
                    buffer.Slice(n, run).Fill(fill);
                    (n, _position) = (n + run, _position + run);
                }
                else
                {
                    buffer[n] = suffix[_position - prefix.Length - count];
                    (n, _position) = (n + 1, _position + 1);
                }
            }
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
