using System.Text.Json;
using HomebrewSync.Contracts;

namespace HomebrewSync.Lambda;

/// <summary>What every handler does the same way: this container's services, the payload in, the JSON answer out.</summary>
internal static class HandlerSupport
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>
    /// The services of this container, from the function's environment, on the system clock, logging to standard output
    /// (CloudWatch Logs): built by the first invocation that succeeds in building them, reused by the next ones.
    /// </summary>
    public static readonly RetryingInit<LambdaServices> Shared = new(() =>
        LambdaServices.CreateAsync(SyncSettingsReader.ProcessEnvironment(), TimeProvider.System, Console.Out, CancellationToken.None));

    /// <summary>One invocation: the payload parsed before anything is built, read or sent; then the container's services; the answer as JSON.</summary>
    public static async Task<Stream> HandleAsync<TPayload, TAnswer>(Stream input, RetryingInit<LambdaServices> container, Func<byte[], TPayload> parse,
        Func<TPayload, LambdaServices, Task<TAnswer>> handle)
    {
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer);
        var payload = parse(buffer.ToArray());
        var answer = await handle(payload, await container.GetAsync());
        return new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(answer, Options));
    }
}
