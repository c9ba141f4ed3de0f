namespace HomebrewSync.TestSupport.Servers;

/// <summary>
/// One moto server for a test assembly, shared by the tests of the assembly's <c>S3Collection</c>
/// (<c>InTestAssembly/S3Collection.cs</c>); each test takes its own bucket.
/// </summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    private MotoServer? _server;

    public MotoServer Server => _server ?? throw new InvalidOperationException("The fixture is not started");

    public async Task InitializeAsync() => _server = await MotoServer.StartForThisProcessAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
