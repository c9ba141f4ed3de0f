using System.Text.Json;

namespace HomebrewSync.Lambda;

internal static class HandlerSupport
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static async Task<byte[]> ReadAsync(Stream input)
    {
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public static Stream Write<T>(T value) => new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(value, Options));

    /// <summary>The services of this container: built by the first invocation that succeeds in building them, reused by the next ones.</summary>
    public static readonly RetryingInit<LambdaServices> Shared = new(() =>
        LambdaServices.CreateAsync(Contracts.SyncSettingsReader.ProcessEnvironment(), TimeProvider.System, Console.Out, CancellationToken.None));
}
