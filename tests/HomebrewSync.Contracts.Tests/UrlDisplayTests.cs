namespace HomebrewSync.Contracts.Tests;

public sealed class UrlDisplayTests
{
    [Theory]
    [InlineData("The proxy tunnel request to proxy 'http://builder:S3cret@127.0.0.1:3128/' failed with status code '403'.",
        "The proxy tunnel request to proxy 'http://***@127.0.0.1:3128/' failed with status code '403'.")]
    [InlineData("HTTPS://User:S3cret@[::1]:8080/x", "HTTPS://***@[::1]:8080/x")]
    [InlineData("remote https://bot:ab/cdS3cret@github.com/Homebrew/brew refused", "remote https://***@github.com/Homebrew/brew refused")]
    [InlineData("token-only https://S3cret@host/x", "token-only https://***@host/x")]
    [InlineData("http://u%40x:S3cret%2F@host/", "http://***@host/")]
    public void RedactText_MasksTheUserInfoOfEveryUrlInTheText(string text, string expected) => Assert.Equal(expected, UrlDisplay.RedactText(text));

    [Theory]
    [InlineData("s3://bucket/2024-01-01/openssl@3-3.3.1.arm64_sonoma.bottle.tar.gz")]
    [InlineData("https://mirror.example/python@3.12-3.12.1.sonoma.bottle.tar.gz: 404")]
    [InlineData("no URL here, just user@example.com")]
    public void RedactText_LeavesAPathWithAnAtSignAlone(string text) => Assert.Equal(text, UrlDisplay.RedactText(text));

    [Theory]
    [InlineData("https://user:S3cret@formulae.example/api/formula.json", "https://***@formulae.example/api/formula.json")]
    [InlineData("https://formulae.example/api/formula.json?token=S3cret", "https://formulae.example/api/formula.json?***")]
    [InlineData("/srv/brew.git", "/srv/brew.git")]
    [InlineData("https://formulae.brew.sh/api/formula.json", "https://formulae.brew.sh/api/formula.json")]
    public void Redact_MasksUserInfoAndQuery_AndLeavesAnythingElseAsGiven(string url, string expected) => Assert.Equal(expected, UrlDisplay.Redact(url));
}
