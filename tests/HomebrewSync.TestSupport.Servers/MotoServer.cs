using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using Amazon.S3.Model;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>
/// moto's server (<c>moto_server</c>, from the Python package <c>moto[server]</c>; <c>scripts/test.sh</c> installs it
/// where it is missing) on 127.0.0.1 and a free port: S3, and SSM with its Secrets Manager reference path
/// (<c>/aws/reference/secretsmanager/&lt;name&gt;</c>) over Secrets Manager. It enforces If-Match / If-None-Match on PUT, echoes
/// server-side encryption, keeps user metadata, copies objects, stores SHA-256 checksums sent with their
/// algorithm, and serves presigned GETs. It does not reject a wrong checksum: tests read the stored one back.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    public const string AccessKey = "test";
    public const string SecretKey = "test";
    public const string Region = "us-east-1";
    private readonly Process _process;
    private int _buckets;

    private MotoServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<MotoServer> StartAsync()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("moto_server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("moto_server is not installed: pip install 'moto[server]' (scripts/test.sh does this where it is missing)", ex);
        }
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await IsReadyAsync(http, endpoint))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                lock (output)
                {
                    throw new InvalidOperationException($"moto_server did not start on port {port}: {output}");
                }
            }
            await Task.Delay(50);
        }
        return new MotoServer(process, endpoint);
    }

    /// <summary>
    /// Starts the server and puts its credentials and region in this process's environment, where the AWS
    /// SDK's default chain finds them for code under test that builds its own client (as a shell would).
    /// </summary>
    public static async Task<MotoServer> StartForThisProcessAsync()
    {
        var server = await StartAsync();
        foreach (var (k, v) in server.Environment())
        {
            System.Environment.SetEnvironmentVariable(k, v);
        }
        return server;
    }

    /// <summary>A client configured as a user would: endpoint (this server, or <paramref name="through"/> a proxy in front of it), path-style, dummy credentials.</summary>
    public AmazonS3Client CreateClient(Uri? through = null) =>
        new(new Amazon.Runtime.BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = (through ?? Endpoint).AbsoluteUri,
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

    /// <summary>
    /// Creates (or updates) a Secrets Manager secret. The project has no Secrets Manager SDK (not served), so
    /// this is the service's JSON API by hand; moto routes it by the credential scope and checks no signature.
    /// </summary>
    public async Task PutSecretAsync(string name, string value)
    {
        using var http = new HttpClient();
        async Task<HttpResponseMessage> Call(string action, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
            {
                Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/x-amz-json-1.1"),
            };
            request.Content.Headers.ContentType!.CharSet = null;
            request.Headers.TryAddWithoutValidation("X-Amz-Target", "secretsmanager." + action);
            request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={AccessKey}/20250721/{Region}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0");
            return await http.SendAsync(request);
        }
        using var created = await Call("CreateSecret", new { Name = name, SecretString = value });
        if (!created.IsSuccessStatusCode)
        {
            using var put = await Call("PutSecretValue", new { SecretId = name, SecretString = value });
            put.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Environment a user would set to point the CLI (and the AWS SDK) at this server.</summary>
    /// <summary>Points a user's environment at this server, with <paramref name="store"/> (<c>s3://BUCKET[/PREFIX]</c>) as the mirror.</summary>
    public void UseAsStore(IDictionary<string, string?> env, string store)
    {
        ArgumentNullException.ThrowIfNull(env);
        foreach (var (k, v) in Environment())
        {
            env[k] = v;
        }
        env["HOMEBREW_SYNC_STORE"] = store;
    }

    public IReadOnlyDictionary<string, string?> Environment() => new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL_S3"] = Endpoint.AbsoluteUri,
        ["AWS_ENDPOINT_URL_SSM"] = Endpoint.AbsoluteUri,
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_REGION"] = Region,
    };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, Uri endpoint)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(endpoint, "moto-api/"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
