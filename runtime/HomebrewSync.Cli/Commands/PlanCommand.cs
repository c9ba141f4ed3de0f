using HomebrewSync.Cli.Output;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.PortableRuby;
using HomebrewSync.Hosting;

namespace HomebrewSync.Cli.Commands;

internal static class PlanCommand
{
    public static async Task<int> RunAsync(CliRequest request, SyncServices services, ConsoleReporter reporter, CliConsole console, CancellationToken cancellationToken)
    {
        var planned = await services.Planner.PlanAsync(CommandSupport.PlanRequestOf(request, services), reporter, cancellationToken);
        if (request.Json)
        {
            JsonOutput.Write(console.Out, new PlanJson(
                planned.Plan.SyncDate,
                services.Store.Location,
                planned.Plan.Bottles.Count,
                planned.Plan.TotalBytes,
                planned.Plan.Skipped,
                planned.Plan.UnsizedCount,
                planned.Outcome.FormulaeRead,
                planned.Outcome.DisabledSkipped,
                [.. planned.Outcome.ByTarget().Select(t => new TargetJson(t.Target, t.Bottles, t.Bytes, t.Via.ToDictionary(v => v.Tag, v => v.Count)))],
                planned.Plan.Retire.Count,
                planned.Plan.Bottles.Count(b => b.CopyFrom is not null),
                planned.Plan.ImageIndexes.Count,
                planned.Plan.PortableRuby,
                [.. planned.Plan.ApiFiles.Select(a => new ApiFileJson(a.Path, a.Status, a.Detail))],
                planned.Outcome.Warnings,
                planned.Plan), CliJsonContext.Default.PlanJson);
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
        o.WriteLine($"  {"target tag",-20} {"bottles",10} {"size",12}  served by");
        foreach (var t in planned.Outcome.ByTarget())
        {
            var via = t.Via.Count == 0 ? "its own bottles" : string.Join(", ", t.Via.Select(v => v.Tag == "all" ? $"{Humanize.Count(v.Count)} all" : $"{Humanize.Count(v.Count)} via {v.Tag}"));
            o.WriteLine($"  {t.Target,-20} {Humanize.Count(t.Bottles),10} {Humanize.Bytes(t.Bytes),12}  {via}");
        }
        o.WriteLine($"  {"total (each once)",-20} {Humanize.Count(plan.Bottles.Count),10} {Humanize.Bytes(plan.TotalBytes),12}");
        var renamed = plan.Bottles.Count(b => b.CopyFrom is not null);
        if (renamed > 0 || plan.Retire.Count > 0)
        {
            o.WriteLine($"  renamed to brew's names (no download): {Humanize.Count(renamed)}, earlier names retired: {Humanize.Count(plan.Retire.Count + plan.Bottles.Sum(b => b.Replaces.Count))}");
        }
        if (plan.PortableRuby.Count > 0)
        {
            var ruby = plan.Bottles.Where(b => b.FormulaName == PortableRubyImage.Name).ToArray();
            o.WriteLine($"  portable Ruby {string.Join(", ", plan.PortableRuby)}: {Humanize.Count(ruby.Length)} bottles to fetch ({Humanize.Bytes(ruby.Sum(b => b.Size ?? 0))}), every platform");
        }
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
