using HomebrewSync.TestSupport;

namespace HomebrewSync.Aws.Tests;

/// <summary>One S3 test server for the assembly; each test takes its own bucket.</summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public S3TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await S3TestServer.StartForThisProcessAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3";
}
