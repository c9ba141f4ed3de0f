using HomebrewSync.Core.Planning;
using HomebrewSync.Hosting;

namespace HomebrewSync.Cli.Commands;

internal static class CommandSupport
{
    /// <summary>What <c>plan</c> and <c>sync</c> ask the pipeline for, from the command line and environment.</summary>
    public static PlanRequest PlanRequestOf(CliRequest request, SyncServices services)
    {
        var labels = new RunLabels(request.Host.Notifications.Trigger);
        return new PlanRequest(request.Settings.TargetPlatforms, request.Formulae, request.Force, request.Settings.IncludeDisabled,
            services.Context.SyncDate, request.Settings.ApiUrl, labels, request.RebuildHash);
    }
}
