using System.Globalization;
using System.Text.RegularExpressions;

namespace HomebrewSync.Bench;

/// <summary>wrk, 2 threads, each request a random path of a list (a Lua script), with its latency distribution.</summary>
internal static partial class Wrk
{
    public const int Threads = 2;

    public sealed record Load(double RequestsPerSecond, double MegabytesPerSecond, double P99Ms, long Errors);

    /// <summary>Writes a Lua script that asks for a random path of <paramref name="paths"/> with the given headers.</summary>
    public static string Script(string file, IReadOnlyList<string> paths, params (string Name, string Value)[] headers)
    {
        var list = Path.ChangeExtension(file, ".paths");
        File.WriteAllLines(list, paths);
        var h = string.Join(", ", headers.Select(x => $"[\"{x.Name}\"] = \"{x.Value}\""));
        File.WriteAllText(file, $$"""
            local paths = {}
            for line in io.lines("{{list}}") do paths[#paths + 1] = line end
            local headers = { {{h}} }
            math.randomseed(7)
            request = function()
              return wrk.format("GET", paths[math.random(#paths)], headers)
            end
            """);
        return file;
    }

    /// <summary>A 2-second run whose figures are dropped (JIT, connections, page cache).</summary>
    public static Task WarmUpAsync(Uri url, string script, int connections) => RunOnceAsync(url, script, connections, TimeSpan.FromSeconds(2));

    public static async Task<Load> RunOnceAsync(Uri url, string script, int connections, TimeSpan duration)
    {
        var output = await Tools.RunAsync("wrk", "-t", Threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)duration.TotalSeconds}s", "--latency", "-s", script, url.AbsoluteUri.TrimEnd('/'));
        return Parse(output);
    }

    internal static Load Parse(string output)
    {
        var rps = double.Parse(Requests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var transfer = Transfer().Match(output);
        var bytes = double.Parse(transfer.Groups[1].Value, CultureInfo.InvariantCulture) * transfer.Groups[2].Value switch
        {
            "KB" => 1024,
            "MB" => 1024 * 1024,
            "GB" => 1024 * 1024 * 1024,
            _ => 1,
        };
        var p99 = P99().Match(output);
        var ms = double.Parse(p99.Groups[1].Value, CultureInfo.InvariantCulture) * p99.Groups[2].Value switch
        {
            "us" => 0.001,
            "s" => 1000,
            "m" => 60_000,
            _ => 1,
        };
        long errors = 0;
        foreach (Match m in Errors().Matches(output))
        {
            errors += long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        var non2xx = Non2xx().Match(output);
        errors += non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new Load(rps, bytes / (1024 * 1024), ms, errors);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Transfer/sec:\s+([0-9.]+)([KMG]?B)")]
    private static partial Regex Transfer();

    [GeneratedRegex(@"\s99%\s+([0-9.]+)(us|ms|s|m)")]
    private static partial Regex P99();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex Errors();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();
}
