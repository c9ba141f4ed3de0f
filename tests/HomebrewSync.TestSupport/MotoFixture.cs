namespace HomebrewSync.TestSupport;

/// <summary>One moto server for a test assembly (an xunit collection fixture); each test takes its own bucket.</summary>
public sealed class MotoFixture : IAsyncDisposable
{
    private MotoServer? _server;

    public MotoServer Server => _server ?? throw new InvalidOperationException("The fixture is not started");

    public async Task StartAsync() => _server = await MotoServer.StartForThisProcessAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
