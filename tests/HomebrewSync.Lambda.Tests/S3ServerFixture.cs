using HomebrewSync.TestSupport;

namespace HomebrewSync.Lambda.Tests;

/// <summary>One S3 test server for the assembly; credentials in the process environment, as a function's role would give them.</summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public S3TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await S3TestServer.StartAsync();
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
