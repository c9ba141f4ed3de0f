using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Aws;

namespace HomebrewSync.TestSupport;

/// <summary>
/// A real S3-protocol server from npm (fauxqs, pinned in tools/s3-test-server) on 127.0.0.1, behind
/// <see cref="S3Gateway"/>. The node package is installed by <c>scripts/test.sh</c>
/// (<c>npm ci --prefix tools/s3-test-server</c>); this starts and stops the server.
/// </summary>
public sealed class S3TestServer : IAsyncDisposable
{
    public const string AccessKey = "test";
    public const string SecretKey = "test";
    public const string Region = "us-east-1";
    private readonly Process _node;
    private int _buckets;

    private S3TestServer(Process node, S3Gateway gateway, Uri upstream)
    {
        _node = node;
        Gateway = gateway;
        Upstream = upstream;
    }

    public S3Gateway Gateway { get; }

    /// <summary>The endpoint a client uses (the gateway).</summary>
    public Uri Endpoint => Gateway.Url;

    /// <summary>The npm server itself, bypassing the gateway (for baselines).</summary>
    public Uri Upstream { get; }

    public static async Task<S3TestServer> StartAsync()
    {
        var cli = Path.Combine(RepositoryPaths.Root(), "tools", "s3-test-server", "node_modules", "fauxqs", "dist", "cli.js");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"The S3 test server is not installed ({cli} is missing). Run: npm ci --prefix tools/s3-test-server (scripts/test.sh does this).");
        }
        var port = FreePort();
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cli);
        start.Environment["FAUXQS_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["FAUXQS_HOST"] = "127.0.0.1";
        start.Environment["FAUXQS_LOGGER"] = "false";
        var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = new System.Text.StringBuilder();
        node.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        node.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await CanConnectAsync(port))
        {
            if (node.HasExited || DateTime.UtcNow > deadline)
            {
                node.Kill(entireProcessTree: true);
                node.Dispose();
                lock (output)
                {
                    throw new InvalidOperationException($"The S3 test server did not start on port {port}: {output}");
                }
            }
            await Task.Delay(50);
        }
        var upstream = new Uri($"http://127.0.0.1:{port}/");
        return new S3TestServer(node, await S3Gateway.StartAsync(upstream), upstream);
    }

    /// <summary>
    /// Starts the server and puts its credentials and region in this process's environment, where the AWS
    /// SDK's default chain finds them for code under test that builds its own client (as a shell would).
    /// </summary>
    public static async Task<S3TestServer> StartForThisProcessAsync()
    {
        var server = await StartAsync();
        foreach (var (k, v) in server.Environment())
        {
            System.Environment.SetEnvironmentVariable(k, v);
        }
        return server;
    }

    /// <summary>A client configured as a user would: endpoint, path-style, dummy credentials.</summary>
    public AmazonS3Client CreateClient(bool direct = false) =>
        new(new Amazon.Runtime.BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = (direct ? Upstream : Endpoint).AbsoluteUri,
            ForcePathStyle = true,
            AuthenticationRegion = Region,
        });

    /// <summary>A fresh bucket for one test.</summary>
    public async Task<string> CreateBucketAsync(string? bucket = null)
    {
        var name = bucket ?? $"bottles-{Interlocked.Increment(ref _buckets)}-{Guid.NewGuid().ToString("N")[..8]}";
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>Environment a user would set to point the CLI (and the AWS SDK) at this server.</summary>
    public IReadOnlyDictionary<string, string?> Environment() => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL_S3"] = Endpoint.AbsoluteUri,
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_REGION"] = Region,
    };

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (!_node.HasExited)
        {
            _node.Kill(entireProcessTree: true);
            await _node.WaitForExitAsync();
        }
        _node.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> CanConnectAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
