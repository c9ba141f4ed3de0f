using System.Diagnostics;
using System.Globalization;

namespace HomebrewSync.Bench;

/// <summary>nginx as a campus mirror runs it: 2 workers, sendfile, the access log on (to a file), keep-alive without a request cap.</summary>
internal static class NginxProcess
{
    public static async Task<ServerProcess> StartAsync(string work, string root)
    {
        var port = Tools.FreePort();
        var conf = Path.Combine(work, "nginx.conf");
        Directory.CreateDirectory(Path.Combine(work, "nginx-temp"));
        await File.WriteAllTextAsync(conf, string.Create(CultureInfo.InvariantCulture, $$"""
            worker_processes 2;
            daemon off;
            user root;
            pid {{work}}/nginx.pid;
            error_log {{work}}/nginx-error.log;
            events { worker_connections 4096; }
            http {
              access_log {{work}}/nginx-access.log;
              sendfile on;
              tcp_nopush on;
              keepalive_requests 1000000;
              default_type application/octet-stream;
              client_body_temp_path {{work}}/nginx-temp;
              server {
                listen 127.0.0.1:{{port}};
                root {{root}};
              }
            }
            """));
        var start = new ProcessStartInfo(Tools.Find("nginx")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-p", work, "-e", Path.Combine(work, "nginx-error.log"), "-c", conf })
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start)!;
        var url = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var _ = await http.GetAsync(url);
                return new ServerProcess(process, url);
            }
            catch (HttpRequestException) when (!process.HasExited)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException("nginx did not start: " + await File.ReadAllTextAsync(Path.Combine(work, "nginx-error.log")));
    }
}
