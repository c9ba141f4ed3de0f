using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HomebrewSync.TestSupport;

/// <summary>SSM's GetParameter on 127.0.0.1 (AWS JSON 1.1 protocol), holding Secrets Manager references.</summary>
public sealed class FakeSsmServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _parameters = new(StringComparer.Ordinal);
    private LoopbackHost _host = null!;

    public Uri Url => _host.Url;

    public static async Task<FakeSsmServer> StartAsync()
    {
        var server = new FakeSsmServer();
        server._host = await LoopbackHost.StartAsync(server.HandleAsync);
        return server;
    }

    /// <summary>Stores a Secrets Manager secret, visible at /aws/reference/secretsmanager/NAME.</summary>
    public void PutSecret(string name, string value) => _parameters["/aws/reference/secretsmanager/" + name] = value;

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task HandleAsync(HttpContext ctx)
    {
        var target = ctx.Request.Headers["X-Amz-Target"].ToString();
        using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
        ctx.Response.ContentType = "application/x-amz-json-1.1";
        if (target != "AmazonSSM.GetParameter")
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("{\"__type\":\"InvalidAction\",\"message\":\"not supported\"}");
            return;
        }
        var name = doc.RootElement.GetProperty("Name").GetString()!;
        if (!_parameters.TryGetValue(name, out var value))
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("{\"__type\":\"ParameterNotFound\",\"message\":\"Parameter not found\"}");
            return;
        }
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Parameter"] = new Dictionary<string, object> { ["Name"] = name, ["Type"] = "SecureString", ["Value"] = value, ["Version"] = 1 },
        }));
    }
}
