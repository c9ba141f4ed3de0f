using System.Globalization;
using System.Text;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Notifications;

/// <summary>The reference's six messages, built from a run's data.</summary>
internal static class SlackMessages
{
    public const int ProgressBarCells = 28;
    public const int TopFormulaeShown = 5;
    public const int FailuresShown = 3;

    // Planning rates for "Expected duration" of an ECS run: what a Fargate task sustains from ghcr.io into S3.
    private const double FastBytesPerSecond = 18 * 1024 * 1024;
    private const double SlowBytesPerSecond = 13.6 * 1024 * 1024;

    /// <param name="requestedBy">Who asked for a manual run, and its <paramref name="priority"/>; shown under the fields when given.</param>
    public static SlackMessage Started(NotificationSettings n, string syncDate, int bottles, long bytes, DateTimeOffset startedAt, string? requestedBy = null, string? priority = null)
    {
        ArgumentNullException.ThrowIfNull(n);
        var context = $"Started at {startedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC" + Requested(requestedBy, priority);
        return new SlackMessage("🚀 Homebrew Bottles Sync Started",
        [
            new HeaderBlock("🚀 Homebrew Bottles Sync Started"),
            new FieldsBlock(
            [
                Field("Environment", n.Environment),
                Field("Date", syncDate),
                Field("Estimated Bottles", Humanize.Count(bottles)),
                Field("Estimated Size", Humanize.Bytes(bytes)),
                Field("Sync Method", n.SyncMethod),
                Field("Trigger", n.Trigger),
            ]),
            new ContextBlock([context]),
        ]);
    }

    public static SlackMessage LargeDownload(NotificationSettings n, string syncDate, long bytes, int bottles)
    {
        ArgumentNullException.ThrowIfNull(n);
        var fast = RoundToFive(bytes / FastBytesPerSecond / 60);
        var slow = Math.Max(fast + 5, RoundToFive(bytes / SlowBytesPerSecond / 60));
        return new SlackMessage("⚡ Large Download Detected - Routing to ECS",
        [
            new HeaderBlock("⚡ Large Download Detected"),
            new FieldsBlock(
            [
                Field("Environment", n.Environment),
                Field("Date", syncDate),
                Field("Total Size", Humanize.Bytes(bytes)),
                Field("Threshold", $"{n.SizeThresholdGb.ToString("0.##", CultureInfo.InvariantCulture)} GB"),
                Field("Bottles Count", Humanize.Count(bottles)),
                Field("ECS Cluster", n.EcsClusterName ?? "none"),
            ]),
            new TextBlock($"Starting ECS Fargate task for large-scale download. Expected duration: {fast}-{slow} minutes."),
        ]);
    }

    public static SlackMessage Progress(SyncProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        // Bottles, as the reference counts them ("456/2,156 bottles (21%)").
        var fraction = p.TotalBottles > 0 ? (double)p.DoneBottles / p.TotalBottles : 1;
        var percent = (int)Math.Floor(fraction * 100);
        var filled = (int)Math.Round(fraction * ProgressBarCells);
        var bar = new string('█', filled) + new string('░', ProgressBarCells - filled);
        return new SlackMessage("⏳ Homebrew Sync Progress Update",
        [
            new HeaderBlock("⏳ Sync Progress Update"),
            new FieldsBlock(
            [
                Field("Downloaded", $"{Humanize.Count(p.DoneBottles)}/{Humanize.Count(p.TotalBottles)} bottles ({percent}%)"),
                Field("Size Progress", $"{Humanize.Bytes(p.TransferredBytes)} / {Humanize.Bytes(p.TotalBytes)}"),
                Field("Duration", Humanize.Estimate(p.Elapsed)),
                Field("ETA", p.Eta is { } eta ? Humanize.Estimate(eta) : "unknown"),
                Field("Speed", Humanize.Speed(p.BytesPerSecond)),
                Field("Current", p.CurrentFormula is null ? "waiting" : $"downloading {p.CurrentFormula}"),
            ]),
            new TextBlock($"Progress bar: {bar} {percent}%"),
        ]);
    }

    /// <param name="location">Where this sync's bottles went (<c>s3://bucket/2025-07-21/</c>, or a folder).</param>
    /// <param name="byTarget">The mirror's stored bottles by target tag after the run (what <c>stats</c> shows), one line each.</param>
    /// <param name="requestedBy">Who asked for the run, and its <paramref name="priority"/>, as in "started".</param>
    /// <param name="portableRuby">What the mirror holds of brew's portable Ruby (<see cref="PortableRuby.PortableRubyImage.Describe"/>), its own line.</param>
    /// <param name="pulledSinceLastRun">Bottles <c>serve --pull-through</c> stored since the last run finished: a line of their own when any.</param>
    public static SlackMessage Complete(
        NotificationSettings n, string syncDate, int newBottles, int skipped, long bytes, TimeSpan duration,
        string location, IReadOnlyList<PlannedBottle> stored, DateTimeOffset now,
        IReadOnlyList<TargetCoverage>? byTarget = null, string? requestedBy = null, string? priority = null, int pulledSinceLastRun = 0, string? portableRuby = null)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(stored);
        var blocks = new List<SlackBlock>
        {
            new HeaderBlock("✅ Homebrew Bottles Sync Complete"),
            new FieldsBlock(
            [
                Field("Environment", n.Environment),
                Field("Date", syncDate),
                Field("New Bottles", Humanize.Count(newBottles)),
                Field("Skipped (Existing)", Humanize.Count(skipped)),
                Field("Total Downloaded", Humanize.Bytes(bytes)),
                Field("Duration", Humanize.Duration(duration)),
            ]),
            new TextBlock($"*{(location.StartsWith("s3://", StringComparison.Ordinal) ? "S3 Location" : "Location")}:* `{location}`"),
        };
        var top = stored
            .GroupBy(b => (b.FormulaName, b.FormulaVersion))
            .OrderByDescending(g => g.Sum(b => b.Size ?? 0))
            .ThenBy(g => g.Key.FormulaName, StringComparer.Ordinal)
            .Take(TopFormulaeShown)
            .Select(g => $"• {g.Key.FormulaName}@{g.Key.FormulaVersion} ({string.Join(", ", g.SelectMany(Targets).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))})")
            .ToArray();
        if (top.Length > 0)
        {
            blocks.Add(new TextBlock("*Top Downloaded Formulas:*\n" + string.Join("\n", top)));
        }
        if (pulledSinceLastRun > 0)
        {
            blocks.Add(new TextBlock($"*Pulled on demand since the last sync:* {Humanize.Count(pulledSinceLastRun)} bottle{(pulledSinceLastRun == 1 ? "" : "s")} (serve --pull-through), now kept like any other"));
        }
        if (byTarget is { Count: > 0 })
        {
            blocks.Add(new TextBlock("*Mirror by Target Tag:*\n" + string.Join("\n", byTarget.Select(t => $"• {t.Target}: {t.Describe(c => Humanize.Count(c), "`all`")}"))));
        }
        if (portableRuby is not null)
        {
            blocks.Add(new TextBlock($"*Portable Ruby:* {portableRuby}"));
        }
        if (n.MirrorUrl is { } mirror)
        {
            // A channel is a wide audience: a mirror URL's credentials (user-info) are masked, as in every other output.
            var url = Contracts.UrlDisplay.Redact(mirror).TrimEnd('/');
            blocks.Add(new TextBlock($"*Install from the mirror:*\n`export HOMEBREW_BOTTLE_DOMAIN={url}` (and `HOMEBREW_ARTIFACT_DOMAIN={url}`, `HOMEBREW_API_DOMAIN={url}/api`)"));
        }
        var next = ScheduleExpression.Next(n.ScheduleExpression, now);
        blocks.Add(new ContextBlock([(next is { } t
            ? $"Hash file updated successfully • Next sync: {t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC"
            : "Hash file updated successfully") + Requested(requestedBy, priority)]));
        return new SlackMessage("✅ Homebrew Bottles Sync Complete", blocks);
    }

    /// <param name="details">What went wrong, a few lines; shown in a code block.</param>
    /// <param name="requestedBy">Who asked for the run, and its <paramref name="priority"/>: a context line at the end when given.</param>
    public static SlackMessage Failed(
        NotificationSettings n, string syncDate, string errorType, TimeSpan duration, int done, int total, long partialBytes, string details,
        string? requestedBy = null, string? priority = null)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(details);
        var blocks = new List<SlackBlock>
        {
            new HeaderBlock("❌ Homebrew Bottles Sync Failed"),
            new FieldsBlock(
            [
                Field("Environment", n.Environment),
                Field("Date", syncDate),
                Field("Error Type", errorType),
                Field("Duration", Humanize.Duration(duration)),
                Field("Bottles Downloaded", $"{Humanize.Count(done)}/{Humanize.Count(total)}"),
                Field("Partial Size", Humanize.Bytes(partialBytes)),
            ]),
            new TextBlock($"*Error Details:*\n```\n{SlackLimits.Cut(details.Replace("```", "'''", StringComparison.Ordinal), 2500)}\n```"),
        };
        if (n.OrchestratorFunctionName is { } function)
        {
            var logGroup = $"/aws/lambda/{function}";
            blocks.Add(new TextBlock($"*Troubleshooting:*\n• Check CloudWatch logs: `{logGroup}`\n• Verify network connectivity and NAT Gateway status\n• Consider manual retry or investigate Homebrew API status"));
            blocks.Add(new ActionsBlock(
            [
                new SlackButton("View Logs", $"https://console.aws.amazon.com/cloudwatch/home?region={n.Region}#logsV2:log-groups/log-group/{ConsolePath(logGroup)}"),
                new SlackButton("Retry Sync", $"https://console.aws.amazon.com/lambda/home?region={n.Region}#/functions/{function}"),
            ]));
        }
        else
        {
            blocks.Add(new TextBlock("*Troubleshooting:*\n• Check the output of the `homebrew-sync` command\n• Verify network connectivity to the Homebrew API and the registry\n• Run the sync again: bottles already stored are kept"));
        }
        blocks.AddRange(RequestedContext(requestedBy, priority));
        return new SlackMessage("❌ Homebrew Bottles Sync Failed", blocks);
    }

    /// <param name="apiNotes">API files not brought up to date, each with why.</param>
    /// <param name="requestedBy">Who asked for the run, and its <paramref name="priority"/>: a context line at the end when given.</param>
    /// <param name="brewGitNote">Why the mirror of brew's repository was not brought up to date, when it was not.</param>
    /// <param name="indexNotes">Image indexes the mirror could not keep, each with why: brew cannot install those bottles from the mirror.</param>
    public static SlackMessage CompletedWithWarnings(
        NotificationSettings n, string syncDate, int succeeded, int total, TimeSpan duration, IReadOnlyList<BottleFailure> failures, IReadOnlyList<string>? apiNotes = null,
        string? requestedBy = null, string? priority = null, IReadOnlyList<string>? indexNotes = null, string? brewGitNote = null,
        IReadOnlyList<string>? statusNotes = null)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(failures);
        var rate = total > 0 ? 100.0 * succeeded / total : 0;
        var list = new StringBuilder("*Failed Downloads:*");
        foreach (var f in failures.Take(FailuresShown))
        {
            list.Append(CultureInfo.InvariantCulture, $"\n• {f.Bottle.FormulaName}@{f.Bottle.FormulaVersion} ({string.Join(", ", Targets(f.Bottle))}) - {ShortReason(f.Kind)}");
        }
        if (failures.Count > FailuresShown)
        {
            list.Append(CultureInfo.InvariantCulture, $"\n• ... and {Humanize.Count(failures.Count - FailuresShown)} others");
        }
        return new SlackMessage("⚠️ Homebrew Sync Completed with Warnings",
        [
            new HeaderBlock("⚠️ Sync Completed with Warnings"),
            new FieldsBlock(
            [
                Field("Environment", n.Environment),
                Field("Date", syncDate),
                Field("Successful", $"{Humanize.Count(succeeded)}/{Humanize.Count(total)} bottles"),
                Field("Failed", $"{Humanize.Count(failures.Count)} bottles"),
                Field("Success Rate", $"{rate.ToString("0.0", CultureInfo.InvariantCulture)}%"),
                Field("Duration", Humanize.Duration(duration)),
            ]),
            .. failures.Count > 0 ? [new TextBlock(list.ToString())] : Array.Empty<SlackBlock>(),
            .. apiNotes is { Count: > 0 } notes
                ? [new TextBlock("*API files not updated:*\n" + string.Join("\n", notes.Take(FailuresShown).Select(a => "• " + a)) + (notes.Count > FailuresShown ? $"\n• ... and {notes.Count - FailuresShown} more" : ""))]
                : Array.Empty<SlackBlock>(),
            .. brewGitNote is not null ? [new TextBlock($"*brew's git repository not updated (clients keep the brew they have):* {brewGitNote}")] : Array.Empty<SlackBlock>(),
            .. indexNotes is { Count: > 0 } missing
                ? [new TextBlock("*Image indexes not kept (brew cannot install these bottles from the mirror; the next sync tries again):*\n"
                    + string.Join("\n", missing.Take(FailuresShown).Select(a => "• " + a)) + (missing.Count > FailuresShown ? $"\n• ... and {missing.Count - FailuresShown} more" : ""))]
                : Array.Empty<SlackBlock>(),
            .. statusNotes is { Count: > 0 } refused
                ? [new TextBlock("*Status documents not written (left as they are in the store; remove what is in their place):*\n"
                    + string.Join("\n", refused.Select(a => "• " + a)))]
                : Array.Empty<SlackBlock>(),
            new TextBlock(failures.Count > 0
                ? "*Recommendation:* Review failed downloads and consider manual retry for critical packages."
                : "*Recommendation:* Every bottle is stored; the next sync retries what is listed above."),
            .. RequestedContext(requestedBy, priority),
        ]);
    }

    public static string ShortReason(FailureKind kind) => kind switch
    {
        FailureKind.ShaMismatch => "SHA mismatch",
        FailureKind.NotFound => "File not found",
        FailureKind.Timeout => "Connection timeout",
        FailureKind.Network => "Connection error",
        FailureKind.Unauthorized => "Access denied",
        FailureKind.Storage => "Storage error",
        FailureKind.Budget => "Time budget exceeded",
        FailureKind.TooLarge => "Larger than announced",
        FailureKind.Kept => "Stored bottle kept",
        _ => "HTTP error",
    };

    /// <summary>" • Requested by admin@company.com • Priority high", or the parts given, or nothing.</summary>
    private static string Requested(string? requestedBy, string? priority) =>
        (requestedBy is null ? "" : $" • Requested by {requestedBy}") + (priority is null ? "" : $" • Priority {priority}");

    /// <summary>A context line naming who asked and how urgently, for the messages whose reference has no context line of its own.</summary>
    private static SlackBlock[] RequestedContext(string? requestedBy, string? priority) =>
        requestedBy is null && priority is null ? [] : [new ContextBlock([Requested(requestedBy, priority)[" • ".Length..]])];

    /// <summary>The target tags a bottle serves, as the messages name them (its own tag when the plan does not say).</summary>
    private static IEnumerable<string> Targets(PlannedBottle b) => b.Serves.Count > 0 ? b.Serves : [b.Platform];

    /// <summary>The CloudWatch console's double-encoded path segment ('/' becomes <c>$252F</c>).</summary>
    public static string ConsolePath(string value) =>
        Uri.EscapeDataString(Uri.EscapeDataString(value)).Replace('%', '$');

    private static string Field(string label, string value) => $"*{label}:* {value}";

    private static int RoundToFive(double minutes) => Math.Max(5, (int)Math.Round(minutes / 5) * 5);
}
