using System.Diagnostics;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>The homebrew-sync command line as its own process (the real entry point, as a user or the ECS task runs it).</summary>
public sealed record CliProcessResult(int ExitCode, string Out, string Error);

public static class CliProcess
{
    /// <summary>Names a published CLI executable to test instead of the build beside the test: scripts/test.sh sets it to the native build.</summary>
    public const string ExecutableVariable = "HOMEBREW_SYNC_TEST_CLI";

    /// <summary>The CLI built beside the test (a test project that references HomebrewSync.Cli gets it in its output).</summary>
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "homebrew-sync.dll");

    /// <summary>The published executable <see cref="ExecutableVariable"/> names, or null to run <see cref="Path"/> with dotnet.</summary>
    public static string? Executable => Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path ? path : null;

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var executable = Executable;
        var start = new ProcessStartInfo(executable ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (executable is null)
        {
            start.ArgumentList.Add(Path);
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }
        return start;
    }

    public static async Task<CliProcessResult> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args)) ?? throw new InvalidOperationException("the CLI did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"homebrew-sync {string.Join(' ', args)} did not end within 5 minutes: {await stderr}");
        }
        return new CliProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
