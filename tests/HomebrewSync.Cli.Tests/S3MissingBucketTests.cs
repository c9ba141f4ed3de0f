
namespace HomebrewSync.Cli.Tests;

/// <summary>Every command pointed at an S3 bucket that does not exist (a typo, a deleted stack) ends with an error naming it.</summary>
[Collection(S3Collection.Name)]
public sealed class S3MissingBucketTests(S3ServerFixture fixture)
{
    [Theory]
    [InlineData("verify")]
    [InlineData("verify", "--deep")]
    [InlineData("stats")]
    [InlineData("plan")]
    [InlineData("sync")]
    [InlineData("prune", "--dry-run")]
    [InlineData("serve", "--listen", "http://127.0.0.1:0")]
    public async Task Command_AgainstABucketThatDoesNotExist_ExitsFatalNamingTheBucket(params string[] args)
    {
        await using var h = await CliHarness.StartAsync([new FormulaBuilder("curl").WithBottle("monterey").Build()]);
        var env = h.Environment();
        var bucket = "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Server.UseAsStore(env, $"s3://{bucket}/mirror");
        env["TEMP_DIR"] = Path.Combine(Path.GetTempPath(), "hbs-missing-" + Guid.NewGuid().ToString("N"));

        var run = await CliProcess.RunAsync(env, args);

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
        Assert.True(run.Error.Contains($"error: The bucket s3://{bucket}/mirror cannot be used: NoSuchBucket", StringComparison.Ordinal), run.Error);
        Assert.DoesNotContain("unexpected", run.Error, StringComparison.Ordinal);
    }
}
