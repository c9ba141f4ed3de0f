using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>A Slack incoming webhook on 127.0.0.1: keeps every accepted message, answers 429 or 500 on demand, rejects what Slack would.</summary>
public sealed class FakeSlackServer : IAsyncDisposable
{
    public const string SecretPath = "services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
    private readonly ConcurrentQueue<JsonDocument> _messages = new();
    private readonly ConcurrentQueue<(int Status, int RetryAfter)> _faults = new();
    private LoopbackHost _host = null!;
    private int _requests;

    public Uri WebhookUrl => new(_host.Url, SecretPath);
    public IReadOnlyList<JsonDocument> Messages => _messages.ToArray();
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The header texts of the accepted messages, in order.</summary>
    public IReadOnlyList<string> Headers => Messages.Select(m => m.RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!).ToArray();

    public static async Task<FakeSlackServer> StartAsync()
    {
        var server = new FakeSlackServer();
        server._host = await LoopbackHost.StartAsync(server.HandleAsync);
        return server;
    }

    /// <summary>The next <paramref name="times"/> posts get <paramref name="status"/> (429 with Retry-After seconds, or 5xx).</summary>
    public void Fail(int status, int times = 1, int retryAfterSeconds = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue((status, retryAfterSeconds));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        foreach (var m in _messages)
        {
            m.Dispose();
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        if (ctx.Request.Path.Value?.TrimStart('/') != SecretPath || !HttpMethods.IsPost(ctx.Request.Method))
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync("no_service");
            return;
        }
        if (_faults.TryDequeue(out var fault))
        {
            ctx.Response.StatusCode = fault.Status;
            if (fault.Status == 429)
            {
                ctx.Response.Headers.RetryAfter = fault.RetryAfter.ToString(CultureInfo.InvariantCulture);
            }
            await ctx.Response.WriteAsync(fault.Status == 429 ? "rate_limited" : "internal_error");
            return;
        }
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(ctx.Request.Body);
        }
        catch (JsonException)
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("invalid_payload");
            return;
        }
        if (Violation(doc.RootElement) is { } problem)
        {
            doc.Dispose();
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("invalid_blocks: " + problem);
            return;
        }
        _messages.Enqueue(doc);
        await ctx.Response.WriteAsync("ok");
    }

    /// <summary>Slack's Block Kit limits, as Slack enforces them.</summary>
    public static string? Violation(JsonElement root)
    {
        if (!root.TryGetProperty("text", out var text) || text.GetString()!.Length > 40_000)
        {
            return "text";
        }
        var blocks = root.GetProperty("blocks");
        if (blocks.GetArrayLength() > 50)
        {
            return "too many blocks";
        }
        foreach (var b in blocks.EnumerateArray())
        {
            switch (b.GetProperty("type").GetString())
            {
                case "header" when b.GetProperty("text").GetProperty("text").GetString()!.Length > 150:
                    return "header text over 150";
                case "section" when b.TryGetProperty("fields", out var fields) && (fields.GetArrayLength() > 10 || fields.EnumerateArray().Any(f => f.GetProperty("text").GetString()!.Length > 2000)):
                    return "fields";
                case "section" when b.TryGetProperty("text", out var t) && t.GetProperty("text").GetString()!.Length > 3000:
                    return "section text over 3000";
                case "actions" when b.GetProperty("elements").EnumerateArray().Any(e => e.GetProperty("text").GetProperty("text").GetString()!.Length > 75):
                    return "button text over 75";
            }
        }
        return null;
    }
}
