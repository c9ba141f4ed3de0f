using System.Text;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Serving;

namespace HomebrewSync.Cli;

/// <summary>One command-line option; <see cref="EnvVar"/> is the environment variable it overrides.</summary>
internal sealed record OptionSpec(string Name, string? EnvVar, string? ValueName, string Help, string[] Commands)
{
    public bool IsFlag => ValueName is null;

    /// <summary>What a flag sets its variable to (a "--no-..." flag sets false).</summary>
    public string FlagValue { get; init; } = "true";
}

internal sealed record ParsedArgs(string? Command, IReadOnlyDictionary<string, string?> Values, bool Help, bool Version);

/// <summary>
/// The command line: a table of options, each bound to the environment variable of the reference it
/// overrides, so --help, parsing and configuration cannot drift apart.
/// </summary>
internal static class CliOptions
{
    public const string Json = "--json";
    public const string NoProgress = "--no-progress";
    public const string Deep = "--deep";
    public const string Plan = "--plan";
    public const string DryRun = "--dry-run";
    public const string DeleteUnlisted = "--delete-unlisted";

    private static readonly string[] PlanSync = ["plan", "sync"];
    private static readonly string[] All = ["plan", "sync", "verify", "stats", "serve", "prune"];
    private static readonly string[] Catalog = ["plan", "sync", "prune", "serve"];
    // What serve --pull-through takes from the sync's settings: the same transfer, the same bounds.
    private static readonly string[] Transfer = ["plan", "sync", "serve"];

    public static readonly IReadOnlyList<(string Name, string Summary)> Commands =
    [
        ("plan", "Show what a sync would download (count and bytes per platform); changes nothing."),
        ("sync", "Plan, then download, verify and store every new bottle; update the hash file."),
        ("verify", "Check the store against its hash file: missing files, wrong sizes, wrong sha256; lists unlisted files."),
        ("stats", "Print the hash file's statistics: bottles and bytes per platform, per target tag and per date."),
        ("prune", "Remove bottles no target tag resolves to any more (superseded versions, dropped formulae), unlisted objects and unused image indexes."),
        ("serve", "Serve the mirror to brew over HTTP (HOMEBREW_BOTTLE_DOMAIN, HOMEBREW_ARTIFACT_DOMAIN, HOMEBREW_API_DOMAIN), with Prometheus metrics at /metrics; with --pull-through, fetch and store what it lacks on demand."),
    ];

    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        From(Settings.Store, All),
        From(Settings.AwsEndpointUrlS3, All),
        From(Settings.S3ServerSideEncryption, ["sync"]),
        From(Settings.KmsKeyId, ["sync"]),
        From(Settings.HomebrewApiUrl, Catalog),
        From(Settings.TargetPlatforms, ["plan", "sync", "stats", "prune", "serve"]),
        From(Settings.FormulaNames, PlanSync),
        From(Settings.ForceDownload, PlanSync),
        From(Settings.IncludeDisabled, Transfer),
        From(Settings.MaxConcurrentDownloads, ["plan", "sync", "verify", "stats"]),
        From(Settings.RetryAttempts, Transfer),
        From(Settings.RetryDelaySeconds, Transfer),
        From(Settings.DownloadTimeoutSeconds, Transfer),
        From(Settings.RegistryHosts, Transfer),
        From(Settings.MaxCatalogMb, Catalog),
        From(Settings.MaxImageIndexMb, Transfer),
        From(Settings.MaxApiFileMb, PlanSync),
        From(Settings.MaxBrewGitMb, PlanSync),
        From(Settings.MaxBottleSizeGb, ["sync", "serve"]),
        From(Settings.BatchSize, ["sync"]),
        new(Plan, null, "KEY|s3://BUCKET/KEY", "Execute a saved plan (the orchestrator's plans/...) instead of planning; the ECS task runs this.", ["sync"]),
        From(Settings.ForceRebuildHash, ["sync"]),
        From(Settings.PruneKeepDays, ["prune"]),
        new(DryRun, null, null, "prune: list what would be removed, with sizes; change nothing.", ["prune"]),
        new(DeleteUnlisted, null, null, "prune: remove objects no hash-file entry names however many; without it, more than 10 (or a tenth of the listed) from other days than a killed sync's is refused, as a lost or emptied hash file looks like that.", ["prune"]),
        new(Deep, null, null, "Re-hash every object's bytes, not only compare the sha256 recorded at upload (S3).", ["verify"]),
        From(Settings.MirrorApi, PlanSync),
        From(Settings.ApiTags, PlanSync),
        From(Settings.ApiPublicKey, PlanSync),
        From(Settings.ApiPublishWithFailures, ["sync"]),
        From(Settings.ApiLegacy, PlanSync),
        From(Settings.MirrorPortableRuby, PlanSync),
        From(Settings.BrewGitRemoteUrl, PlanSync),
        From(Settings.SyncDate, PlanSync),
        From(Settings.Environment, ["sync"]),
        From(Settings.ProgressUpdateInterval, ["sync"]),
        From(Settings.EmitMetrics, ["sync"]),
        From(Settings.ServeListenUrl, ["serve"]),
        From(Settings.MirrorUrl, ["serve", "sync"]),
        From(Settings.ServeAllowedCidrs, ["serve"]),
        From(Settings.ServeTokenFile, ["serve"]),
        From(Settings.ServePullThrough, ["serve"]),
        From(Settings.ServePullTimeoutSeconds, ["serve"]),
        From(Settings.ServePullConcurrency, ["serve"]),
        From(Settings.ServePullCatalogRefreshSeconds, ["serve"]),
        From(Settings.ServeProxy, ["serve"]),
        From(Settings.ServeRefreshSeconds, ["serve"]),
        From(Settings.ServeMaxConnections, ["serve"]),
        new(Json, null, null, "Machine-readable JSON on standard output.", ["plan", "sync", "verify", "stats", "prune"]),
        new(NoProgress, null, null, "Plain log lines even on a terminal.", ["sync"]),
    ];

    /// <summary>
    /// Options that once took a secret, and the variable that takes it now: refused with that advice (the value not echoed), where an
    /// unknown option would print the secret back as an unexpected argument.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> SecretOptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--slack-webhook"] = EnvVars.SlackWebhookUrl,
    };

    /// <summary>Environment variables read that have no option (secrets stay out of argv), in --help's order.</summary>
    public static readonly IReadOnlyList<(string Name, string Help)> EnvOnly =
    [
        Env(Settings.RegistryToken),
        Env(Settings.TempDir),
        Env(Settings.S3BucketName),
        Env(Settings.TimeBudgetSeconds),
        Env(Settings.MaxDownloadSizeGb),
        Env(Settings.WorkerStagingLimitMb),
        Env(Settings.StoreLeaseSeconds),
        Env(Settings.SlackWebhookUrl),
        Env(Settings.SlackWebhookSecretName),
        Env(Settings.ServeTokenSecretName),
        (EnvVars.SlackChannel + ", " + EnvVars.SlackUsername, Settings.SlackChannel.HelpText),
        Env(Settings.SlackMaxWaitSeconds),
        Env(Settings.ScheduleExpression),
        (EnvVars.SyncMethod + ", " + EnvVars.SyncTrigger, Settings.SyncMethod.HelpText),
        ("AWS_REGION, AWS_PROFILE, ...", "S3 credentials and region come from the AWS SDK's default chain."),
    ];

    /// <summary>The option of a setting: its name, variable, value name and help, as the setting defines them.</summary>
    private static OptionSpec From(ISetting setting, string[] commands) =>
        new(setting.Option ?? throw new ArgumentException($"{setting.EnvVar} has no option", nameof(setting)), setting.EnvVar, setting.ValueName, setting.HelpText, commands)
        {
            FlagValue = setting.FlagValue,
        };

    /// <summary>An environment-only setting's line, as the setting defines it.</summary>
    private static (string Name, string Help) Env(ISetting setting) =>
        setting.Option is null ? (setting.EnvVar, setting.HelpText) : throw new ArgumentException($"{setting.EnvVar} has an option", nameof(setting));

    public static ParsedArgs Parse(IReadOnlyList<string> args, List<string> errors)
    {
        string? command = null;
        bool help = false, version = false;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var afterUnknownOption = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" || (arg == "help" && command is null))
            {
                help = true;
                continue;
            }
            if (arg == "--version")
            {
                version = true;
                continue;
            }
            if (!arg.StartsWith('-'))
            {
                if (command is null)
                {
                    command = arg;
                    if (!Commands.Any(c => c.Name == arg))
                    {
                        errors.Add($"unknown command '{arg}' (commands: {string.Join(", ", Commands.Select(c => c.Name))})");
                    }
                }
                else if (afterUnknownOption)
                {
                    // The value of the option just refused (a typo in its name, --slack-webhok URL): a secret, maybe, so not echoed.
                    errors.Add("unexpected argument after an unknown option (its value?), not shown");
                }
                else
                {
                    // Masked like any URL shown.
                    errors.Add($"unexpected argument '{UrlDisplay.Redact(arg)}'");
                }
                afterUnknownOption = false;
                continue;
            }
            var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            var spec = Specs.FirstOrDefault(s => s.Name == name);
            if (spec is null && SecretOptions.TryGetValue(name, out var secretVariable))
            {
                // Its value is not echoed: with the option gone, the next argument is the secret, not an unexpected argument.
                errors.Add($"{name}: its value is a secret; set {secretVariable} instead (an argument is shown by ps to every user of the machine)");
                i += inline is null && i + 1 < args.Count && !args[i + 1].StartsWith('-') ? 1 : 0;
                continue;
            }
            afterUnknownOption = false;
            if (spec is null)
            {
                errors.Add($"unknown option '{name}'");
                afterUnknownOption = inline is null;
                continue;
            }
            if (command is not null && !spec.Commands.Contains(command))
            {
                errors.Add($"option {name} does not apply to '{command}'");
            }
            string value;
            if (spec.IsFlag)
            {
                value = inline ?? spec.FlagValue;
            }
            else if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                errors.Add($"option {name} needs a value ({spec.ValueName})");
                continue;
            }
            if (!spec.IsFlag && spec.EnvVar is { } variable && UrlDisplay.Redact(value) != value)
            {
                // A URL with credentials (https://user:token@...) or a query (?token=...): what output masks, the command line must not show.
                errors.Add($"{name}: a URL with credentials or a query string is a secret; set {variable} instead (an argument is shown by ps to every user of the machine)");
                continue;
            }
            values[spec.EnvVar ?? spec.Name] = value;
        }
        return new ParsedArgs(command, values, help, version);
    }

    /// <summary>The environment with the command line laid over it: options win.</summary>
    public static IReadOnlyDictionary<string, string?> Merge(IReadOnlyDictionary<string, string?> environment, ParsedArgs parsed)
    {
        var merged = new Dictionary<string, string?>(environment, StringComparer.Ordinal);
        foreach (var (k, v) in parsed.Values)
        {
            merged[k] = v;
        }
        return merged;
    }

    public static string HelpText(string? command)
    {
        var sb = new StringBuilder();
        sb.AppendLine("homebrew-sync: keep a verified, incremental mirror of Homebrew bottles.");
        sb.AppendLine();
        sb.AppendLine(command is null ? "Usage: homebrew-sync <command> [options]" : $"Usage: homebrew-sync {command} [options]");
        if (command is null)
        {
            sb.AppendLine();
            sb.AppendLine("Commands:");
            foreach (var (name, summary) in Commands)
            {
                sb.AppendLine($"  {name,-8} {summary}");
            }
        }
        else if (Commands.FirstOrDefault(c => c.Name == command) is { Name: not null } c)
        {
            sb.AppendLine();
            sb.AppendLine(c.Summary);
        }
        sb.AppendLine();
        sb.AppendLine("Options (each also read from the environment variable shown; an option wins):");
        foreach (var s in Specs.Where(s => command is null || s.Commands.Contains(command)))
        {
            var left = s.IsFlag ? s.Name : $"{s.Name} {s.ValueName}";
            var env = s.EnvVar is null ? "" : $" [{s.EnvVar}]";
            sb.AppendLine(left.Length > 26 ? $"  {left}{Environment.NewLine}  {"",-26} {s.Help}{env}" : $"  {left,-26} {s.Help}{env}");
        }
        sb.AppendLine($"  {"-h, --help",-26} Show this help.");
        sb.AppendLine($"  {"--version",-26} Show the version.");
        sb.AppendLine();
        sb.AppendLine("Environment only:");
        foreach (var (name, help) in EnvOnly)
        {
            sb.AppendLine($"  {name,-26} {help}");
        }
        sb.AppendLine();
        sb.AppendLine("Exit codes:");
        sb.AppendLine($"  {ExitCodes.Success,-4} success (including nothing new to download)");
        sb.AppendLine($"  {ExitCodes.Fatal,-4} fatal error: catalog unreachable or malformed, hash file corrupt, store unusable");
        sb.AppendLine($"  {ExitCodes.Usage,-4} bad usage or input: unknown option, invalid value, unknown platform tag or formula");
        sb.AppendLine($"  {ExitCodes.CompletedWithFailures,-4} completed with warnings (bottles failed; image indexes, API files, brew.git or the run status not brought up to date), or verify found problems");
        sb.AppendLine($"  {ExitCodes.Incomplete,-4} stopped by {EnvVars.TimeBudgetSeconds} with bottles left; run again to go on");
        sb.AppendLine($"  {ExitCodes.StoreBusy,-4} prune: another command (a sync, a rebuild) holds the store; nothing was removed");
        sb.AppendLine($"  {ExitCodes.Interrupted,-4} interrupted; bottles stored so far are recorded in the hash file");
        return sb.ToString();
    }
}
