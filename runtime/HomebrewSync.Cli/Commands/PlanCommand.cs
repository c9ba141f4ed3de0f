using HomebrewSync.Cli.Output;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Hosting;

namespace HomebrewSync.Cli.Commands;

internal static class PlanCommand
{
    public static async Task<int> RunAsync(CliRequest request, SyncServices services, ConsoleReporter reporter, CliConsole console, CancellationToken cancellationToken)
    {
        var planned = await services.Pipeline.PlanAsync(CommandSupport.PlanRequestOf(request, services), reporter, cancellationToken);
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new
            {
                planned.Plan.SyncDate,
                Store = services.Store.Location,
                Bottles = planned.Plan.Bottles.Count,
                planned.Plan.TotalBytes,
                planned.Plan.Skipped,
                Unsized = planned.Plan.UnsizedCount,
                planned.Outcome.FormulaeRead,
                planned.Outcome.DisabledSkipped,
                ByPlatform = planned.Outcome.ByPlatform().Select(p => new { p.Platform, p.Count, p.Bytes }),
                planned.Outcome.Warnings,
                Plan = planned.Plan,
            });
        }
        else
        {
            WriteTable(console.Out, planned);
        }
        return ExitCodes.Success;
    }

    public static void WriteTable(TextWriter o, PlannedRun planned)
    {
        var plan = planned.Plan;
        o.WriteLine($"Plan for {plan.SyncDate} from {plan.ApiUrl} ({Humanize.Count(planned.Outcome.FormulaeRead)} formulae read)");
        o.WriteLine($"  {"platform",-20} {"bottles",10} {"size",12}");
        foreach (var (platform, count, bytes) in planned.Outcome.ByPlatform())
        {
            o.WriteLine($"  {platform,-20} {Humanize.Count(count),10} {Humanize.Bytes(bytes),12}");
        }
        o.WriteLine($"  {"total",-20} {Humanize.Count(plan.Bottles.Count),10} {Humanize.Bytes(plan.TotalBytes),12}");
        o.WriteLine($"  already mirrored (skipped): {Humanize.Count(plan.Skipped)}");
        if (planned.Outcome.DisabledSkipped > 0)
        {
            o.WriteLine($"  disabled formulae left out: {Humanize.Count(planned.Outcome.DisabledSkipped)}");
        }
        if (plan.UnsizedCount > 0)
        {
            o.WriteLine($"  bottles of unknown size: {Humanize.Count(plan.UnsizedCount)}");
        }
    }
}
