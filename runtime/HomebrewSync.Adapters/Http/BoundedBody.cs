using System.Buffers;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.Adapters.Http;

/// <summary>Reads a response body into memory up to a limit: a larger one (announced or sent) is refused at the limit, not buffered.</summary>
internal static class BoundedBody
{
    /// <param name="what">Names the document and its setting in the error (<c>image index https://... (MAX_IMAGE_INDEX_MB)</c>).</param>
    /// <exception cref="BottleDownloadException">The body is larger than <paramref name="limit"/> (<see cref="FailureKind.TooLarge"/>).</exception>
    public static async Task<byte[]> ReadAsync(HttpContent content, long limit, Func<string> what, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } announced && announced > limit)
        {
            throw TooLarge(what(), limit, $"announces {announced:N0} bytes");
        }
        await using var body = await content.ReadAsStreamAsync(cancellationToken);
        // Grown as bytes arrive: an announced length is only a claim, and a server announcing the limit and sending nothing
        // must not cost the limit in memory per request.
        using var buffer = new MemoryStream((int)Math.Min(content.Headers.ContentLength ?? 16 * 1024, 1024 * 1024));
        // Rented: an image index is read per formula version, and a fresh 64 KB each time was most of what sizing allocated.
        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(64 * 1024, limit + 1));
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(chunk, cancellationToken);
                if (read == 0)
                {
                    return buffer.ToArray();
                }
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(what(), limit, "sent more");
                }
                await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static BottleDownloadException TooLarge(string what, long limit, string how) =>
        new(FailureKind.TooLarge, $"{what} is larger than the limit of {Describe(limit)} ({how}); not read further");

    private static string Describe(long bytes) => bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes:N0} bytes";
}
