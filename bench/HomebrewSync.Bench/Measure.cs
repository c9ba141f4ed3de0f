using System.Diagnostics;
using System.Globalization;
using HomebrewSync.TestSupport;
using HomebrewSync.TestSupport.Servers;

namespace HomebrewSync.Bench;

/// <summary>Timing and memory helpers: the CLI as a child process with its peak RSS sampled from /proc.</summary>
internal static class Measure
{
    /// <summary>
    /// The CLI as a user installs it: <c>dotnet publish runtime/HomebrewSync.Cli -c Release</c>, one native executable
    /// (Native AOT; README: Installing), published once per bench run into artifacts/bench-cli, in a build tree of its own.
    /// </summary>
    public static string CliExecutable => Cli.Value;

    private static readonly Lazy<string> Cli = new(PublishCli);

    private static string PublishCli()
    {
        var root = RepositoryPaths.Root();
        var output = Path.Combine(root, "artifacts", "bench-cli");
        Console.Error.WriteLine("publishing the CLI (Native AOT) for the child-process measurements ...");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", Path.Combine(root, "runtime", "HomebrewSync.Cli"), "-c", "Release",
            "--artifacts-path", Path.Combine(root, "artifacts", "bench-cli-build"), "-o", output, "--nologo", "-v", "quiet" })
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return p.ExitCode == 0 ? Path.Combine(output, "homebrew-sync") : throw new InvalidOperationException($"publishing the CLI failed: {stdout.Result}{stderr.Result}");
    }

    public sealed record ChildRun(int ExitCode, TimeSpan Wall, long PeakRssBytes, string Stdout, string Stderr);

    public static async Task<ChildRun> CliAsync(IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var start = new ProcessStartInfo(CliExecutable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!p.HasExited)
        {
            peak = Math.Max(peak, PeakRss(p.Id));
            await Task.Delay(10);
        }
        await p.WaitForExitAsync();
        sw.Stop();
        return new ChildRun(p.ExitCode, sw.Elapsed, peak, await stdout, await stderr);
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed;
    }

    public static async Task<TimeSpan> MedianAsync(int runs, Func<Task> action)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            await action();
            times.Add(sw.Elapsed);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>A process's resident memory now (VmRSS), 0 when it cannot be read.</summary>
    public static long Rss(int pid) => StatusBytes(pid, "VmRSS:");

    private static long PeakRss(int pid) => StatusBytes(pid, "VmHWM:");

    private static long StatusBytes(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Writes dirty pages back (sync(1)) so a timed run does not pay for the previous run's writes.</summary>
    public static async Task FlushPageCacheAsync()
    {
        using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false });
        if (sync is not null)
        {
            await sync.WaitForExitAsync();
        }
    }

    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "hbs-bench", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static Dictionary<string, string?> Env(FakeHomebrewServer server, params (string, string)[] more)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["HOMEBREW_API_URL"] = server.ApiUrl.AbsoluteUri,
            ["HOMEBREW_REGISTRY_HOSTS"] = "127.0.0.1",
            ["RETRY_DELAY_SECONDS"] = "0.2",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (k, v) in more)
        {
            env[k] = v;
        }
        return env;
    }
}
