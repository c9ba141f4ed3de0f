using HomebrewSync.Cli.Commands;
using HomebrewSync.Cli.Output;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Storage;
using HomebrewSync.Hosting;

namespace HomebrewSync.Cli;

/// <summary>The command line, independent of the process: arguments, environment and console are given.</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string?> environment,
        CliConsole console,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        var errors = new List<string>();
        var parsed = CliOptions.Parse(args, errors);
        if (parsed.Version)
        {
            console.Out.WriteLine($"homebrew-sync {ProductInfo.SyncVersion}");
            return ExitCodes.Success;
        }
        if (parsed.Help)
        {
            console.Out.Write(CliOptions.HelpText(errors.Count == 0 ? parsed.Command : null));
            return ExitCodes.Success;
        }
        if (parsed.Command is null && errors.Count == 0)
        {
            console.Error.Write(CliOptions.HelpText(null));
            return ExitCodes.Usage;
        }
        var request = errors.Count == 0 ? CliRequest.Bind(parsed.Command!, CliOptions.Merge(environment, parsed), parsed.Values.Keys.ToHashSet(StringComparer.Ordinal), errors) : null;
        if (errors.Count > 0 || request is null)
        {
            foreach (var e in errors)
            {
                console.Error.WriteLine($"error: {e}");
            }
            console.Error.WriteLine("Run 'homebrew-sync --help' for usage.");
            return ExitCodes.Usage;
        }

        var reporter = new ConsoleReporter(console.Error, console.Interactive && !request.NoProgress, time);
        try
        {
            using var services = await SyncServices.CreateAsync(request.Host, time, w => reporter.Info("warning: " + w), cancellationToken);
            return request.Command switch
            {
                "plan" => await PlanCommand.RunAsync(request, services, reporter, console, cancellationToken),
                "sync" => await SyncCommand.RunAsync(request, services, reporter, console, cancellationToken),
                "verify" => await VerifyCommand.RunAsync(request, services, console, cancellationToken),
                "stats" => await StatsCommand.RunAsync(request, services, console, cancellationToken),
                "prune" => await PruneCommand.RunAsync(request, services, reporter, console, cancellationToken),
                "serve" => await ServeCommand.RunAsync(request, services, console, cancellationToken),
                _ => ExitCodes.Usage,
            };
        }
        catch (Exception ex) when (ex is PlanInputException or SettingsException)
        {
            console.Error.WriteLine($"error: {UrlDisplay.RedactText(ex.Message)}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is CatalogFormatException or CatalogUnavailableException or HashFileCorruptException or StoreAccessException or Core.Notifications.SecretUnavailableException or Core.Orchestration.PlanNotFoundException
            or Core.Coordination.StoreBusyException or Core.Coordination.StoreLeaseLostException or UnsafeStoreKeyException)
        {
            console.Error.WriteLine($"error: {UrlDisplay.RedactText(ex.Message)}");
            return ExitCodes.Fatal;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.Error.WriteLine("interrupted: bottles stored so far are recorded in the hash file; run again to resume.");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HashFileConflictException or HttpRequestException)
        {
            console.Error.WriteLine($"error: {UrlDisplay.RedactText(ex.Message)}");
            return ExitCodes.Fatal;
        }
#pragma warning disable CA1031 // The process boundary: any other failure is reported and ends the run non-zero, never as success.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            console.Error.WriteLine($"error: unexpected {ex.GetType().Name}: {UrlDisplay.RedactText(ex.Message)}");
            return ExitCodes.Fatal;
        }
    }
}
