using HomebrewSync.Adapters.Files;
using HomebrewSync.Aws;
using HomebrewSync.Core.Serving;
using Amazon.SimpleSystemsManagement;

namespace HomebrewSync.Hosting;

/// <summary>The token list serve and the function URL check, from the file or the secret the serve settings name; null when neither is set.</summary>
public sealed class ServeTokenSources : IDisposable
{
    private readonly IAmazonSimpleSystemsManagement? _ssm;

    private ServeTokenSources(ServeTokenFile? tokens, IAmazonSimpleSystemsManagement? ssm)
    {
        Tokens = tokens;
        _ssm = ssm;
    }

    public ServeTokenFile? Tokens { get; }

    /// <param name="warn">Where a token file that turns unreadable or malformed is reported (never with its content).</param>
    public static ServeTokenSources Open(ServeOptions options, HostSettings host, TimeProvider time, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        if (options.TokenFile is { } file)
        {
            return new ServeTokenSources(new ServeTokenFile(new FileTokenFileSource(file), time, options.Refresh, warn), null);
        }
        if (options.TokenSecretName is { } name)
        {
            var ssm = SsmSecretReader.CreateClient(host.SsmEndpoint, host.Store.Region);
            return new ServeTokenSources(new ServeTokenFile(new SecretTokenFileSource(new SsmSecretReader(ssm), name), time, options.Refresh, warn), ssm);
        }
        return new ServeTokenSources(null, null);
    }

    public void Dispose()
    {
        Tokens?.Dispose();
        _ssm?.Dispose();
    }
}
