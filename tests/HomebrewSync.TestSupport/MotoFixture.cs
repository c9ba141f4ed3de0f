namespace HomebrewSync.TestSupport;

/// <summary>One moto S3 server for a test assembly (an xunit collection fixture); each test takes its own bucket.</summary>
public sealed class MotoFixture : IAsyncDisposable
{
    private MotoS3Server? _server;

    public MotoS3Server Server => _server ?? throw new InvalidOperationException("The fixture is not started");

    public async Task StartAsync() => _server = await MotoS3Server.StartForThisProcessAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
