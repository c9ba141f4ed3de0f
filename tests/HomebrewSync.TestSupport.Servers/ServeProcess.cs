using System.Diagnostics;
using System.Text;

namespace HomebrewSync.TestSupport.Servers;

/// <summary><c>homebrew-sync serve</c> as its own process on a free port; <see cref="Url"/> is what it told brew to use.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();

    private ServeProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The export lines serve printed for brew, in order.</summary>
    public IReadOnlyList<string> Exports { get; private init; } = [];

    /// <summary>What serve wrote to standard error so far (the access log).</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public static async Task<ServeProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, params string[] extra)
    {
        var process = Process.Start(CliProcess.StartInfo(environment, ["serve", "--listen", "http://127.0.0.1:0", .. extra])) ?? throw new InvalidOperationException("serve did not start");
        var serve = (ServeProcess?)null;
        var error = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (error) { error.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Uri? url = null;
        var exports = new List<string>();
        // The export lines end with the API domain, always printed last.
        while (url is null || !exports.Any(e => e.StartsWith("export HOMEBREW_API_DOMAIN=", StringComparison.Ordinal)))
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                await process.WaitForExitAsync(timeout.Token);
                lock (error)
                {
                    throw new InvalidOperationException($"serve exited {process.ExitCode} before it listened: {error}");
                }
            }
            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                exports.Add(line);
            }
            // The bottle domain comes first; with tokens serve names only the artifact domain.
            foreach (var prefix in (string[])["export HOMEBREW_BOTTLE_DOMAIN=", "export HOMEBREW_ARTIFACT_DOMAIN="])
            {
                if (url is null && line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    url = new Uri(line[prefix.Length..]);
                }
            }
        }
        serve = new ServeProcess(process, url) { Exports = exports };
        process.ErrorDataReceived += (_, e) => { lock (serve._error) { serve._error.AppendLine(e.Data); } };
        lock (error)
        {
            serve._error.Append(error);
        }
        return serve;
    }

    /// <summary>Sends SIGTERM, as ECS or systemd would, and waits for the process to end.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
