using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Http;

namespace HomebrewSync.Cli.Tests;

/// <summary>S3's own failures (throttling, a connection cut mid-upload) met by a sync, through a proxy in front of moto.</summary>
[Collection(S3Collection.Name)]
public sealed class S3FailureTests(S3ServerFixture fixture) : IDisposable
{
    private readonly AmazonS3Client _client = fixture.Server.CreateClient();
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-cli-s3-failure-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _client.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    /// <summary>A user's environment for a new bucket, its S3 calls going through <paramref name="proxy"/>.</summary>
    private async Task<(Dictionary<string, string?> Env, string Bucket)> EnvAsync(CliHarness h, ForwardingProxy proxy)
    {
        var env = h.Environment();
        var bucket = await fixture.Server.CreateBucketAsync();
        fixture.Server.UseAsStore(env, $"s3://{bucket}/mirror");
        env["AWS_ENDPOINT_URL_S3"] = proxy.Url.AbsoluteUri;
        env["TEMP_DIR"] = _temp;
        env["TARGET_PLATFORMS"] = "monterey";
        return (env, bucket);
    }

    /// <summary>Answers the request as S3 answers an error: the status, and the XML body naming its code.</summary>
    private static async Task AnswerS3ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>");
    }

    private async Task<string[]> ListedAsync(string bucket)
    {
        using var response = await _client.GetObjectAsync(bucket, "mirror/bottles_hash.json");
        using var doc = await JsonDocument.ParseAsync(response.ResponseStream);
        return doc.RootElement.GetProperty("bottles").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task S3AsksToSlowDown_IsRetried_EvenWithDownloadRetriesOff()
    {
        var formulae = new[] { "curl", "jq" }.Select(n => new FormulaBuilder(n).WithBottle("monterey", 2_000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Server.Endpoint);
        var (env, bucket) = await EnvAsync(h, proxy);
        env["RETRY_ATTEMPTS"] = "0";
        var slowDowns = 0;
        // S3's answer to too many requests at once, to the first writes of the run (its probe, its lease).
        proxy.Intercept = async context =>
        {
            if (context.Request.Method != "PUT" || Interlocked.Increment(ref slowDowns) > 2)
            {
                return false;
            }
            await AnswerS3ErrorAsync(context, 503, "SlowDown", "Please reduce your request rate.");
            return true;
        };

        var run = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.True(slowDowns > 2, "S3 was not asked to slow down");
        Assert.Equal(formulae.Select(f => f.Key("monterey")).Order(StringComparer.Ordinal), await ListedAsync(bucket));
    }

    [Fact]
    public async Task EndpointWithoutConditionalDeletes_TheLeaseIsStillRemovedAtTheEnd()
    {
        var formulae = new[] { new FormulaBuilder("curl").WithBottle("monterey", 2_000).Build() };
        await using var h = await CliHarness.StartAsync(formulae);
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Server.Endpoint);
        var (env, bucket) = await EnvAsync(h, proxy);
        var refused = 0;
        // An S3-compatible server that has conditional writes but not conditional deletes, and says so.
        proxy.Intercept = async context =>
        {
            if (context.Request.Method != "DELETE" || !context.Request.Headers.ContainsKey("If-Match"))
            {
                return false;
            }
            Interlocked.Increment(ref refused);
            await AnswerS3ErrorAsync(context, 501, "NotImplemented", "A header you provided implies functionality that is not implemented");
            return true;
        };

        var run = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        Assert.True(refused > 0, "no conditional delete was sent");
        Assert.Equal([formulae[0].Key("monterey")], await ListedAsync(bucket));
        var leases = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "mirror/leases/" });
        Assert.Empty(leases.S3Objects ?? []);
    }

    [Fact]
    public async Task ConnectionCutDuringAMultipartUpload_FailsThatBottleOnly_AndLeavesNoPartsBehind()
    {
        // 9 MiB: uploaded in parts (from 8 MiB up).
        var large = new FormulaBuilder("llvm").WithBottle("monterey", 9L << 20).Build();
        var small = new FormulaBuilder("jq").WithBottle("monterey", 2_000).Build();
        await using var h = await CliHarness.StartAsync([large, small]);
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Server.Endpoint);
        var (env, bucket) = await EnvAsync(h, proxy);
        env["RETRY_ATTEMPTS"] = "0";
        var cut = 0;
        // Every part's connection is cut before S3 answers: the SDK's retries are spent on a network failure, not an S3 error.
        proxy.Intercept = context =>
        {
            if (!context.Request.Query.ContainsKey("partNumber"))
            {
                return Task.FromResult(false);
            }
            Interlocked.Increment(ref cut);
            context.Abort();
            return Task.FromResult(true);
        };

        var run = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Error}");
        Assert.True(cut > 0, "no part was uploaded");
        Assert.True((run.Out + run.Error).Contains("multipart upload of mirror/2025-07-21/llvm-", StringComparison.Ordinal), run.Out + run.Error);
        Assert.Equal([small.Key("monterey")], await ListedAsync(bucket));
        var uploads = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        Assert.Empty(uploads.MultipartUploads ?? []);
    }
}
