
namespace HomebrewSync.Cli.Tests;

/// <summary>The Slack webhook from a Secrets Manager secret, read through SSM (moto), as the deployed hosts do.</summary>
[Collection(S3Collection.Name)]
public sealed class SlackSecretEndToEndTests(S3ServerFixture fixture)
{
    [Theory]
    [InlineData("plain")]
    [InlineData("json")]
    public async Task Sync_WebhookFromSecretsManager_IsReadThroughSsm_PlainOrJson(string shape)
    {
        var f = new FormulaBuilder("curl").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([f]);
        await using var slack = await FakeSlackServer.StartAsync();
        var name = $"homebrew-sync/slack-{shape}-{Guid.NewGuid():N}";
        await fixture.Server.PutSecretAsync(name, shape == "json" ? $"{{\"webhook_url\": \"{slack.WebhookUrl}\"}}" : slack.WebhookUrl.AbsoluteUri);
        var env = h.Environment();
        env["SLACK_WEBHOOK_SECRET_NAME"] = name;

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "✅ Homebrew Bottles Sync Complete"], slack.Headers);
    }

    [Fact]
    public async Task Sync_SecretStillThePlaceholder_SkipsSlackWithOneWarning_AndSyncs()
    {
        var f = new FormulaBuilder("curl").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([f]);
        var name = $"homebrew-sync/slack-{Guid.NewGuid():N}";
        await fixture.Server.PutSecretAsync(name, Contracts.Deployment.SlackSecretPlaceholder.Value);
        var env = h.Environment();
        env["SLACK_WEBHOOK_SECRET_NAME"] = name;

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Single(run.Error.Split('\n'), l => l.Contains("Slack is not set up yet", StringComparison.Ordinal));
        Assert.True(File.Exists(h.PathOf("bottles_hash.json")));
    }

    [Fact]
    public async Task Sync_SecretMissingOrNotAUrl_IsAClearErrorThatNeverShowsTheValue()
    {
        var f = new FormulaBuilder("curl").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([f]);
        var name = $"homebrew-sync/slack-{Guid.NewGuid():N}";
        await fixture.Server.PutSecretAsync(name, "hooks.slack.example/T0/B0/SECRETPART");
        var env = h.Environment();

        env["SLACK_WEBHOOK_SECRET_NAME"] = "homebrew-sync/missing";
        var missing = await CliHarness.RunAsync(env, "sync", "--platform", "monterey");
        env["SLACK_WEBHOOK_SECRET_NAME"] = name;
        var malformed = await CliHarness.RunAsync(env, "sync", "--platform", "monterey");
        // Plain http to another machine would send the webhook's secret path in clear text.
        var clear = $"homebrew-sync/slack-{Guid.NewGuid():N}";
        await fixture.Server.PutSecretAsync(clear, "http://hooks.slack.example/T0/B0/SECRETPART");
        env["SLACK_WEBHOOK_SECRET_NAME"] = clear;
        var cleartext = await CliHarness.RunAsync(env, "sync", "--platform", "monterey");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("'homebrew-sync/missing' cannot be read", missing.Error, StringComparison.Ordinal);
        foreach (var run in new[] { malformed, cleartext })
        {
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("is not an https URL (plain http only to a loopback address)", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRETPART", run.Error + run.Out, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(h.PathOf("bottles_hash.json")));
    }
}
