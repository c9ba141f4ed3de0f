using HomebrewSync.Hosting;
using System.Globalization;
using HomebrewSync.Cli.Output;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.PortableRuby;

namespace HomebrewSync.Cli.Commands;

internal static class StatsCommand
{
    public static async Task<int> RunAsync(CliRequest request, SyncServices services, CliConsole console, CancellationToken cancellationToken)
    {
        var snapshot = await services.Store.ReadHashFileAsync(cancellationToken);
        var location = services.Store.HashFileLocation;
        if (snapshot is null)
        {
            console.Error.WriteLine($"No hash file at {location}; run 'homebrew-sync sync' first.");
            return ExitCodes.Fatal;
        }
        var m = snapshot.HashFile;
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new StatsJson(
                location,
                m.LastUpdated,
                m.SyncVersion,
                m.Count,
                m.TotalSizeBytes,
                [.. m.ByPlatform().Select(p => new PlatformJson(p.Platform, p.Count, p.Bytes))],
                [.. MirrorCoverage.Of(m, request.Settings.TargetPlatforms).Select(t => new StatsTargetJson(t.Target, t.Bottles, t.Bytes, t.Via.ToDictionary(v => v.Tag, v => v.Count)))],
                [.. m.Bottles.Values.Where(PortableRubyImage.Is).Select(e => new PortableRubyJson(e.FormulaVersion, e.Platform, e.FileSize))],
                [.. m.ByDate().Select(d => new DateJson(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Count, d.Bytes))]),
                CliJsonContext.Default.StatsJson);
            return ExitCodes.Success;
        }
        var o = console.Out;
        o.WriteLine($"Hash file: {location}");
        o.WriteLine($"Last updated: {(m.LastUpdated is { } u ? u.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never")}");
        o.WriteLine($"Bottles: {Humanize.Count(m.Count)} ({Humanize.Bytes(m.TotalSizeBytes)})");
        o.WriteLine("By platform:");
        foreach (var (platform, count, bytes) in m.ByPlatform())
        {
            o.WriteLine($"  {platform,-20} {Humanize.Count(count),10} {Humanize.Bytes(bytes),12}");
        }
        o.WriteLine("By target tag (what a Mac on it gets from the mirror):");
        foreach (var t in MirrorCoverage.Of(m, request.Settings.TargetPlatforms))
        {
            o.WriteLine($"  {t.Target,-20} {t.Describe(n => Humanize.Count(n))}");
        }
        o.WriteLine($"Portable Ruby (brew's own, every platform): {PortableRubyImage.Describe(m, Humanize.Bytes) ?? "none"}");
        o.WriteLine("By date:");
        foreach (var (date, count, bytes) in m.ByDate())
        {
            o.WriteLine($"  {date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),-20} {Humanize.Count(count),10} {Humanize.Bytes(bytes),12}");
        }
        return ExitCodes.Success;
    }
}
