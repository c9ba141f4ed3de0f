using System.Buffers;
using System.Net;
using HomebrewSync.Core.Serving;
using Microsoft.AspNetCore.Connections;
using Prometheus;

namespace HomebrewSync.Cli.Serving;

/// <summary>
/// <c>--allow</c> at the connection, before Kestrel's HTTP: a client outside the list gets its 403 and the connection is
/// closed, at most <see cref="RequestWait"/> after it arrived. Checked only per request, an outsider could hold every one of
/// <c>--max-connections</c> open (idle, or one request every keep-alive) and lock the allowed Macs out. Refused connections are
/// counted in <c>/metrics</c>, not logged one by one (a flood must not fill the log).
/// </summary>
internal sealed class AllowListGate(ServeOptions options, Counter refused, TimeProvider time)
{
    /// <summary>How long an outsider's connection waits for its request (to be answered 403) before it is closed without a word.</summary>
    public static readonly TimeSpan RequestWait = TimeSpan.FromSeconds(1);

    /// <summary>The most of an outsider's request read before the 403: its head, as any client sends it.</summary>
    private const int MaxRequestBytes = 16 * 1024;

    private static readonly byte[] Forbidden =
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\nConnection: close\r\n\r\nforbidden\n"u8.ToArray();

    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (options.Allows((connection.RemoteEndPoint as IPEndPoint)?.Address))
        {
            await next(connection);
            return;
        }
        refused.Inc();
        await RefuseAsync(connection);
    };

    /// <summary>
    /// Reads the request's head (closing on unread bytes would reset the connection before the client read its answer), then
    /// answers 403 and returns, which closes the connection; one that sends no whole head within the wait is closed unanswered.
    /// </summary>
    private async Task RefuseAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var wait = new CancellationTokenSource(RequestWait, time);
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(wait.Token);
                var buffer = read.Buffer;
                var whole = HasHead(buffer) || buffer.Length >= MaxRequestBytes;
                input.AdvanceTo(whole ? buffer.End : buffer.Start, buffer.End);
                if (whole)
                {
                    break;
                }
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await connection.Transport.Output.WriteAsync(Forbidden);
        await connection.Transport.Output.CompleteAsync();
    }

    private static bool HasHead(ReadOnlySequence<byte> buffer) => new SequenceReader<byte>(buffer).TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8);
}
