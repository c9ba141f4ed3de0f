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
            JsonOutput.Write(console.Out, new
            {
                HashFile = location,
                LastUpdated = m.LastUpdated,
                m.SyncVersion,
                TotalBottles = m.Count,
                TotalSizeBytes = m.TotalSizeBytes,
                ByPlatform = m.ByPlatform().Select(p => new { p.Platform, p.Count, TotalSizeBytes = p.Bytes }),
                ByTarget = MirrorCoverage.Of(m, request.Settings.TargetPlatforms).Select(t => new { t.Target, Count = t.Bottles, TotalSizeBytes = t.Bytes, Via = t.Via.ToDictionary(v => v.Tag, v => v.Count) }),
                PortableRuby = m.Bottles.Values.Where(PortableRubyImage.Is).Select(e => new { Version = e.FormulaVersion, e.Platform, Bytes = e.FileSize }),
                ByDate = m.ByDate().Select(d => new { Date = d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Count, TotalSizeBytes = d.Bytes }),
            });
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
