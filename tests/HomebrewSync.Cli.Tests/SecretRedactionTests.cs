using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HomebrewSync.Cli.Tests;

/// <summary>Credentials that reach the CLI's HTTP failures (a proxy's, a URL's) never reach what it prints.</summary>
public sealed class SecretRedactionTests
{
    private const string ProxyPassword = "Pr0xyS3cret";

    [Fact]
    public async Task Plan_AProxyRefusingTheTunnel_IsReportedWithoutItsCredentials()
    {
        // An https catalog reached through a proxy on 127.0.0.1 that refuses every CONNECT: .NET's message for that names
        // the proxy as it was configured, user-info and all.
        using var proxy = new TcpListener(IPAddress.Loopback, 0);
        proxy.Start();
        using var stop = new CancellationTokenSource();
        var refusing = RefuseTunnelsAsync(proxy, stop.Token);
        var store = Directory.CreateTempSubdirectory("redaction-").FullName;
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["HTTPS_PROXY"] = $"http://builder:{ProxyPassword}@127.0.0.1:{((IPEndPoint)proxy.LocalEndpoint).Port}",
            ["NO_PROXY"] = "",
            ["HOMEBREW_API_URL"] = "https://catalog.invalid/api/formula.json",
            ["HOMEBREW_SYNC_STORE"] = store,
            ["TARGET_PLATFORMS"] = "monterey",
            ["RETRY_ATTEMPTS"] = "0",
        };

        var plan = await CliProcess.RunAsync(env, "plan", "--no-api");
        await stop.CancelAsync();
        await refusing;

        Assert.NotEqual(0, plan.ExitCode);
        Assert.Contains("The catalog https://catalog.invalid/api/formula.json could not be fetched", plan.Error, StringComparison.Ordinal);
        Assert.Contains("http://***@127.0.0.1", plan.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ProxyPassword, plan.Out + plan.Error, StringComparison.Ordinal);
        Directory.Delete(store, true);
    }

    [Fact]
    public async Task Plan_AnApiUrlWithATokenInItsQuery_ShowsTheQueryMasked()
    {
        // An artifact server that takes its token in the query: the plan (stored with every run) and the output show it masked.
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("curl").WithBottles(["monterey"]).Build()]);
        var env = h.Environment();
        env["HOMEBREW_API_URL"] = h.Server.ApiUrl.AbsoluteUri + "?token=Qu3ryS3cret";

        var plan = await CliProcess.RunAsync(env, "plan", "--no-api", "--platform", "monterey", "--json");

        Assert.True(plan.ExitCode == 0, $"exit {plan.ExitCode}: {plan.Error}");
        Assert.Contains("\"api_url\": \"" + h.Server.ApiUrl.AbsoluteUri + "?***\"", plan.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Qu3ryS3cret", plan.Out + plan.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--brew-git", "https://bot:Gi7S3cret@github.com/Homebrew/brew", "BREW_GIT_REMOTE_URL", "Gi7S3cret")]
    [InlineData("--brew-git", "https://Gi7S3cret@github.com/Homebrew/brew", "BREW_GIT_REMOTE_URL", "Gi7S3cret")]
    [InlineData("--api-url", "https://artifacts.example.com/api/formula.json?token=Qu3ryS3cret", "HOMEBREW_API_URL", "Qu3ryS3cret")]
    [InlineData("--api-url", "https://bot:ab/cdS3cret@github.com/Homebrew/api", "HOMEBREW_API_URL", "cdS3cret")]
    public async Task AnOptionsUrlWithCredentialsOrAQuery_IsRefusedBeforeAnythingRuns_AdvisingItsVariable(string option, string url, string variable, string secret)
    {
        var store = Directory.CreateTempSubdirectory("redaction-").FullName;
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["HOMEBREW_SYNC_STORE"] = store };

        var separate = await CliProcess.RunAsync(env, "plan", option, url);
        var inline = await CliProcess.RunAsync(env, "plan", $"{option}={url}");

        foreach (var run in new[] { separate, inline })
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{option}: a URL with credentials or a query string is a secret; set {variable} instead", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, run.Out + run.Error, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(store));
        Directory.Delete(store, true);
    }

    [Theory]
    [InlineData("--brew-gti", "https://bot:Gi7S3cret@github.com/Homebrew/brew", "Gi7S3cret")]
    [InlineData("--slack-webhok", "https://hooks.slack.com/services/T0/B0/W3bh00kS3cret", "W3bh00kS3cret")]
    public async Task TheValueOfAnUnknownOption_IsNotShown(string typo, string value, string secret)
    {
        // A typo in the option's name leaves its value an argument of its own: a secret, maybe, where only its path is one.
        var run = await CliProcess.RunAsync(new Dictionary<string, string?>(StringComparer.Ordinal), "plan", typo, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"unknown option '{typo}'", run.Error, StringComparison.Ordinal);
        Assert.Contains("unexpected argument after an unknown option (its value?), not shown", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, run.Out + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnexpectedArgument_ThatIsAUrlWithCredentials_IsNamedMasked()
    {
        var run = await CliProcess.RunAsync(new Dictionary<string, string?>(StringComparer.Ordinal), "plan", "https://bot:Gi7S3cret@github.com/Homebrew/brew");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unexpected argument 'https://***@github.com/Homebrew/brew'", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Gi7S3cret", run.Out + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUrlThatDoesNotParse_IsNamedWithoutItsUserInfo()
    {
        // A '/' in a password breaks the URL's parse; the value is still named in the error, its credentials masked.
        var run = await CliProcess.RunAsync(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["HOMEBREW_API_URL"] = "https://bot:ab/cdS3cret@github.com/Homebrew/api",
        }, "plan");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("HOMEBREW_API_URL: 'https://***@github.com/Homebrew/api'", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("cdS3cret", run.Out + run.Error, StringComparison.Ordinal);
    }

    private static async Task RefuseTunnelsAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptSocketAsync(cancellationToken);
                var request = new byte[8192];
                var received = 0;
                while (received < request.Length && !Encoding.ASCII.GetString(request, 0, received).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await client.ReceiveAsync(request.AsMemory(received), cancellationToken);
                    if (n == 0)
                    {
                        break;
                    }
                    received += n;
                }
                await client.SendAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The test is done.
        }
    }
}
