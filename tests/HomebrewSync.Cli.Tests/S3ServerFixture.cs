using HomebrewSync.TestSupport;

namespace HomebrewSync.Cli.Tests;

/// <summary>One S3 test server for the CLI's S3 tests; each test takes its own bucket.</summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public S3TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await S3TestServer.StartAsync();
        // In-process CLI runs get AWS credentials and region from the SDK's default chain, which reads the
        // process environment: set them there, as a user's shell would.
        foreach (var (k, v) in Server.Environment())
        {
            Environment.SetEnvironmentVariable(k, v);
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3";
}
