using HomebrewSync.TestSupport;

namespace HomebrewSync.Aws.Tests;

/// <summary>The assembly's moto S3 server (<see cref="MotoFixture"/>), shared by the tests of <see cref="S3Collection"/>.</summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    private readonly MotoFixture _moto = new();

    public MotoServer Server => _moto.Server;

    public Task InitializeAsync() => _moto.StartAsync();

    public async Task DisposeAsync() => await _moto.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3";
}
