using HomebrewSync.Hosting;
using HomebrewSync.Cli.Output;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Verification;

namespace HomebrewSync.Cli.Commands;

internal static class VerifyCommand
{
    public static async Task<int> RunAsync(CliRequest request, SyncServices services, CliConsole console, CancellationToken cancellationToken)
    {
        var report = await MirrorVerifier.VerifyAsync(services.Store, services.Store, request.Deep, request.Settings.MaxConcurrentDownloads, cancellationToken);
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new VerifyJson(
                report.HashFileFound,
                report.EntriesChecked,
                report.FilesRehashed,
                report.IsClean,
                report.Unlisted,
                [.. report.Problems.Select(p => new ProblemJson(p.Kind.ToString(), p.Key, p.Detail))]), CliJsonContext.Default.VerifyJson);
        }
        else
        {
            var o = console.Out;
            if (!report.HashFileFound)
            {
                o.WriteLine($"No hash file at {services.Store.HashFileLocation}.");
            }
            foreach (var p in report.Problems)
            {
                o.WriteLine($"{Label(p.Kind),-12} {p.Key}: {p.Detail}");
            }
            var unlisted = report.Unlisted == 0 ? "" : $"; {Humanize.Count(report.Unlisted)} unlisted object(s), which 'homebrew-sync prune' removes";
            o.WriteLine(report.IsClean
                ? $"OK: {Humanize.Count(report.EntriesChecked)} bottles match the hash file{unlisted}."
                : $"{Humanize.Count(report.Problems.Count - report.Unlisted)} problem(s) in {Humanize.Count(report.EntriesChecked)} hash-file entries{unlisted}.");
        }
        return report.IsClean ? ExitCodes.Success : ExitCodes.CompletedWithFailures;
    }

    private static string Label(VerifyProblemKind kind) => kind switch
    {
        VerifyProblemKind.Missing => "missing",
        VerifyProblemKind.WrongSize => "wrong size",
        VerifyProblemKind.WrongSha256 => "wrong sha256",
        VerifyProblemKind.Refused => "refused",
        VerifyProblemKind.NoHashFile => "no hash file",
        _ => "unlisted",
    };
}
