using HomebrewSync.Core;
using HomebrewSync.Core.Planning;

namespace HomebrewSync.Cli.Commands;

internal static class CommandSupport
{
    private const int MaxRejectedShown = 20;

    public static async Task<PlannedRun> PlanAsync(CliRequest request, CliServices services, CliConsole console, CancellationToken cancellationToken)
    {
        var date = request.Date ?? DateOnly.FromDateTime(services.Time.GetUtcNow().UtcDateTime);
        var planRequest = new PlanRequest(request.Settings.TargetPlatforms, request.Formulae, request.Force, request.Settings.IncludeDisabled, date, request.Settings.ApiUrl);
        var rejected = 0;
        var planned = await services.Runner.PlanAsync(planRequest, r =>
        {
            if (++rejected <= MaxRejectedShown)
            {
                console.Error.WriteLine($"warning: catalog entry skipped: {r}");
            }
        }, cancellationToken);
        if (rejected > MaxRejectedShown)
        {
            console.Error.WriteLine($"warning: ... and {rejected - MaxRejectedShown} more catalog entries skipped");
        }
        foreach (var w in planned.Outcome.Warnings)
        {
            console.Error.WriteLine($"warning: {w}");
        }
        return planned;
    }
}
