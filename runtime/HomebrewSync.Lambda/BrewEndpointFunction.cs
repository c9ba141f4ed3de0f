using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Serving;
using HomebrewSync.Core.Storage;
using HomebrewSync.Hosting;

namespace HomebrewSync.Lambda;

/// <summary>
/// The deployed brew endpoint (handler <see cref="HandlerNames.BrewEndpoint"/>) behind a Lambda function URL,
/// payload format 2.0: the same <see cref="MirrorEndpoint"/> as <c>homebrew-sync serve</c>. Bottles are answered
/// with a 302 to a short-lived presigned S3 GET (a function answers at most <see cref="ResponseLimit"/>), documents
/// inline up to <see cref="InlineLimit"/> and as links above it. An inline text document goes as text when its
/// JSON-escaped form fits the response, else base64. One access-log line per request.
/// On a miss it pulls in-process when SERVE_PULL_THROUGH is set in its environment (the same <see cref="PullThrough"/> as
/// <c>serve --pull-through</c>, its time limit held under the function's TIME_BUDGET_SECONDS, which it then needs; its role must be able to
/// write the bucket); the deployed stacks do not set it, so there a miss is a 404 and brew goes to ghcr.io (README).
/// </summary>
public sealed class BrewEndpointFunction
{
    /// <summary>What a function URL answers at most: the whole response payload (status, headers, encoded body).</summary>
    public const int ResponseLimit = 6 * 1024 * 1024;

    /// <summary>Bytes a response may carry inline: base64 makes 4 MB about 5.4 MB, under <see cref="ResponseLimit"/>.</summary>
    public const long InlineLimit = 4 * 1024 * 1024;

    private static readonly RetryingInit<Endpoint> Shared = new(() => Endpoint.CreateAsync(SyncSettingsReader.ProcessEnvironment()));
    private readonly RetryingInit<Endpoint> _endpoint;

    /// <summary>The deployed handler: this container's services and serve settings, built on first use and again on a later invocation when that failed.</summary>
    public BrewEndpointFunction()
    {
        _endpoint = Shared;
    }

    /// <param name="options">Serve settings; with <see cref="ServeOptions.TokenSecretName"/> (or a token file), requests need a listed token.</param>
    public BrewEndpointFunction(LambdaServices services, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        _endpoint = new RetryingInit<Endpoint>(new Endpoint(services, options, services.Services.Settings));
    }

    public async Task<Stream> HandleAsync(Stream input)
    {
        var endpoint = await _endpoint.GetAsync();
        using var doc = await JsonDocument.ParseAsync(input);
        var request = RequestOf(doc.RootElement);
        var started = endpoint.Services.Services.Time.GetTimestamp();
        var response = await endpoint.Mirror.HandleAsync(request, CancellationToken.None);
        byte[] payload;
        try
        {
            payload = await PayloadAsync(request, response);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or AmazonServiceException or AmazonClientException or StoreAccessException)
        {
            // The object ended before the size it was answered with (replaced or cut meanwhile), or S3 failed mid-read: a 502
            // the access log shows with why, not a function error nobody's log names.
            endpoint.Services.Log.Write($"WARN the stored object this request was answered from could not be read whole ({ex.GetType().Name}: {ex.Message}); answered 502 instead");
            response = MirrorResponse.Text(502, "the stored object could not be read\n");
            payload = await PayloadAsync(request, response);
        }
        endpoint.Services.Log.Write(AccessLog.Line(request, response, endpoint.Services.Services.Time.GetElapsedTime(started), endpoint.Services.Services.Time.GetUtcNow()));
        return new MemoryStream(payload);
    }

    /// <summary>A function URL event (payload 2.0) as the endpoint's request.</summary>
    internal static MirrorRequest RequestOf(JsonElement e)
    {
        var http = e.GetProperty("requestContext").GetProperty("http");
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in h.EnumerateObject())
            {
                headers[p.Name.ToLowerInvariant()] = p.Value.GetString() ?? "";
            }
        }
        var query = e.TryGetProperty("rawQueryString", out var q) && q.GetString() is { Length: > 0 } qs ? "?" + qs : "";
        return new MirrorRequest(
            http.GetProperty("method").GetString()!,
            e.GetProperty("rawPath").GetString()! + query,
            headers,
            http.TryGetProperty("sourceIp", out var ip) && IPAddress.TryParse(ip.GetString(), out var address) ? address : null,
            http.TryGetProperty("userAgent", out var ua) ? ua.GetString() : null);
    }

    private static async Task<byte[]> PayloadAsync(MirrorRequest request, MirrorResponse response)
    {
        byte[]? body = response.Content;
        if (body is null && response.OpenBody is { } open && request.Method != "HEAD")
        {
            await using var stream = await open(CancellationToken.None);
            body = await ReadBodyAsync(stream, response.BodyLength);
        }
        var text = response.Headers.TryGetValue("Content-Type", out var type) && (type.StartsWith("text/", StringComparison.Ordinal) || type.Contains("json", StringComparison.Ordinal));
        if (body is null)
        {
            return Payload(response, "", base64: false);
        }
        // JSON escaping can make text several times larger (a quote is \u0022): base64 is at most 4/3 of the bytes.
        return text && Payload(response, Encoding.UTF8.GetString(body), base64: false) is { Length: <= ResponseLimit } asText
            ? asText
            : Payload(response, Convert.ToBase64String(body), base64: true);
    }

    /// <summary>
    /// Exactly the <paramref name="length"/> bytes the answer announced (its object's size when it was looked up, at most
    /// <see cref="InlineLimit"/>), as serve sends them: nothing read past them, so an object replaced by a larger one since
    /// costs no more memory; one that ends before them is an error (never a short answer).
    /// </summary>
    internal static async Task<byte[]> ReadBodyAsync(Stream stream, long length)
    {
        if (length is < 0 or > InlineLimit)
        {
            throw new InvalidOperationException($"an inline body of {length} bytes is outside 0 to {InlineLimit}");
        }
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return body;
    }

    private static byte[] Payload(MirrorResponse response, string body, bool base64) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["statusCode"] = response.Status,
            ["headers"] = response.Headers,
            ["body"] = body,
            ["isBase64Encoded"] = base64,
        });

    /// <summary>
    /// The endpoint of this container: the store from the function's environment, the serve settings, and the token list
    /// (the secret is read on the first request that needs it and again every refresh interval; unreadable, it refuses rather than opens).
    /// </summary>
    private sealed class Endpoint
    {
        public Endpoint(LambdaServices services, ServeOptions options, HostSettings host)
        {
            Services = services;
            // Lives as long as the container: the SSM client and the cached list are reused by every invocation.
            Tokens = ServeTokenSources.Open(options, host, services.Services.Time, w => services.Log.Write("WARN " + w));
            Pull = options.PullThrough is { } pulls ? new PullThrough(services.Services.Context, pulls, services.Log) : null;
            Mirror = new(services.Services.Store, services.Services.Store, options, services.Services.Time, Tokens.Tokens, Pull);
        }

        /// <summary>Pull-through, when the function's environment turns it on; lives as long as the container (its catalog and single-flight map).</summary>
        public PullThrough? Pull { get; }

        public LambdaServices Services { get; }
        public ServeTokenSources Tokens { get; }
        public MirrorEndpoint Mirror { get; }

        /// <summary>Why pull-through cannot run on this function: a pull cut off by the function's own timeout would answer nothing at all, so it must end (a 502) before.</summary>
        private static string? PullProblem(PullThroughOptions? pull, TimeSpan? budget) => (pull, budget) switch
        {
            (null, _) => null,
            (_, null) => $"{EnvVars.TimeBudgetSeconds}: required with {EnvVars.ServePullThrough} on a function (its timeout less a margin), with {EnvVars.ServePullTimeoutSeconds} below it",
            ({ } p, { } b) when p.TimeLimit >= b => $"{EnvVars.ServePullTimeoutSeconds}: {p.TimeLimit.TotalSeconds:0} s must be less than {EnvVars.TimeBudgetSeconds} ({b.TotalSeconds:0} s)",
            _ => null,
        };

        /// <summary>The serve settings from the function's environment (all their errors at once), then the container's shared services.</summary>
        public static async Task<Endpoint> CreateAsync(IReadOnlyDictionary<string, string?> environment)
        {
            var reader = new SettingsReader(environment);
            var options = ServeSettings.Read(reader, InlineLimit);
            if (reader.Errors.Count > 0)
            {
                throw new SettingsException(reader.Errors.ToArray());
            }
            var services = await HandlerSupport.Shared.GetAsync();
            if (PullProblem(options.PullThrough, services.Services.Settings.Sync.TimeBudget) is { } problem)
            {
                throw new SettingsException([problem]);
            }
            return new Endpoint(services, options, services.Services.Settings);
        }
    }
}
