using System.Text;
using HomebrewSync.Core.Serving;

namespace HomebrewSync.Core.Tests.Serving;

public sealed class ServeTokensTests
{
    private const string Alice = "alice-0123456789abcdef";
    private const string Bob = "bob-fedcba9876543210-longer-than-alice";

    private static ServeTokens Parsed(string text)
    {
        var tokens = ServeTokens.Parse(text, out var errors);
        Assert.Empty(errors);
        return tokens;
    }

    [Fact]
    public void Parse_CommentsBlankLinesTabsAndCrlf_AreAllowed()
    {
        var tokens = Parsed($"# fleet\r\n\r\nalice {Alice}\r\n\tbob\t\t{Bob}   \n  # the end\n");

        Assert.Equal(["alice", "bob"], tokens.Names);
        Assert.Equal("alice", tokens.OwnerOf(Alice));
        Assert.Equal("bob", tokens.OwnerOf(Bob));
    }

    [Fact]
    public void Parse_EachBadLine_IsAnErrorNamingItsLine_NeverItsToken()
    {
        ServeTokens.Parse($"alice {Alice}\njustone\nbob {Bob} more\nshort Zq81x\nalice {Bob}\ncarol {Alice}\nbad:name {Bob}z\n", out var errors);

        Assert.Equal(
        [
            "line 2: expected NAME TOKEN (1 fields)",
            "line 3: expected NAME TOKEN (3 fields)",
            "line 4: the token is shorter than 16 characters (a line is NAME, then TOKEN)",
            "line 5: the name is already on line 1",
            "line 6: the same token as line 1; each client needs its own",
            "line 7: the name must be letters, digits and . _ @ + - (at most 64, no ':')",
        ], errors);
        Assert.DoesNotContain(errors, e => e.Contains(Alice, StringComparison.Ordinal) || e.Contains(Bob, StringComparison.Ordinal) || e.Contains("Zq81x", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_AFileAtTheSizeLimit_ListsEveryLine_AndFindsALateRepeat()
    {
        // About what 1 MiB holds: 50,000 clients, then one whose token is the first line's.
        var lines = Enumerable.Range(0, 50_000).Select(i => $"client{i} token-{i:D10}-abcdef").Append("late token-0000000000-abcdef");

        var tokens = ServeTokens.Parse(string.Join('\n', lines), out var errors);

        Assert.Equal(["line 50001: the same token as line 1; each client needs its own"], errors);
        Assert.Equal("client49999", tokens.OwnerOf("token-0000049999-abcdef"));
        Assert.Null(tokens.OwnerOf("token-0000050000-abcdef"));
    }

    [Fact]
    public void Parse_ALineWithItsColumnsSwapped_IsAnError_ThatDoesNotPrintTheToken()
    {
        ServeTokens.Parse($"{Alice} alice\n", out var errors);

        var error = Assert.Single(errors);
        Assert.StartsWith("line 1: the token is shorter than 16 characters", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Alice, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n\n")]
    public void Parse_AFileListingNoToken_IsAnError(string text)
    {
        ServeTokens.Parse(text, out var errors);

        Assert.Equal(["no NAME TOKEN line: the file lists no token"], errors);
    }

    [Fact]
    public void OwnerOf_ComparesFixedLengthDigests_SoPrefixesExtensionsAndOtherLengthsAreRefused()
    {
        var tokens = Parsed($"alice {Alice}\nbob {Bob}\n");

        // Every token, however long, is compared as 32 bytes: a length difference cannot end the comparison early.
        Assert.All(new[] { "", "x", Alice, Bob, new string('z', 4096) }, t => Assert.Equal(32, ServeTokens.Digest(t).Length));
        Assert.Null(tokens.OwnerOf(Alice[..^1]));
        Assert.Null(tokens.OwnerOf(Alice + "0"));
        Assert.Null(tokens.OwnerOf(Alice.ToUpperInvariant()));
        Assert.Null(tokens.OwnerOf(""));
        Assert.Null(tokens.OwnerOf(new string('z', 4096)));
        Assert.Equal("bob", tokens.OwnerOf(Bob));
    }

    [Fact]
    public void OwnerOfAuthorization_BearerOrBasicWithTheTokensOwnName_ElseNobody()
    {
        var tokens = Parsed($"alice {Alice}\nbob {Bob}\n");
        static string Basic(string pair) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair));

        Assert.Equal("alice", tokens.OwnerOfAuthorization("Bearer " + Alice));
        Assert.Equal("alice", tokens.OwnerOfAuthorization("bearer " + Alice));
        Assert.Equal("bob", tokens.OwnerOfAuthorization(Basic("bob:" + Bob)));
        Assert.Null(tokens.OwnerOfAuthorization(Basic("alice:" + Bob)));
        Assert.Null(tokens.OwnerOfAuthorization(Basic(Bob)));
        Assert.Null(tokens.OwnerOfAuthorization("Basic !!!not-base64"));
        Assert.Null(tokens.OwnerOfAuthorization("Bearer QQ=="));
        Assert.Null(tokens.OwnerOfAuthorization("Bearer "));
        Assert.Null(tokens.OwnerOfAuthorization("Token " + Alice));
        Assert.Null(tokens.OwnerOfAuthorization(Alice));
        Assert.Null(tokens.OwnerOfAuthorization(null));
    }
}
