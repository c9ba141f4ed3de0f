using HomebrewSync.Aws;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Hosting;

namespace HomebrewSync.Cli;

/// <summary>Everything one invocation asked for, bound and validated: the host's settings plus what only the command line has.</summary>
internal sealed record CliRequest(
    string Command,
    HostSettings Host,
    IReadOnlyList<string>? Formulae,
    bool Force,
    bool Json,
    bool NoProgress,
    bool RebuildHash,
    bool Deep,
    string? PlanKey,
    Uri? Listen = null,
    Core.Serving.ServeOptions? Serve = null,
    int? KeepDays = null,
    int? MaxConnections = null,
    bool DryRun = false,
    bool DeleteUnlisted = false)
{
    public SyncSettings Settings => Host.Sync;

    /// <summary>Binds settings from the merged environment and options; every error is collected.</summary>
    /// <param name="options">The names (environment-variable names for bound options) given on the command line itself.</param>
    public static CliRequest Bind(string command, IReadOnlyDictionary<string, string?> values, IReadOnlySet<string> options, List<string> errors)
    {
        var merged = new Dictionary<string, string?>(values, StringComparer.Ordinal);
        var planKey = merged.GetValueOrDefault(CliOptions.Plan);
        if (planKey is not null && S3StoreOptions.ParseLocation(planKey) is { } planAt)
        {
            // s3://bucket/plans/...: the plan lives in the bucket it fills.
            if (string.IsNullOrWhiteSpace(merged.GetValueOrDefault(EnvVars.Store)))
            {
                merged[EnvVars.Store] = $"s3://{planAt.Bucket}";
            }
            planKey = planAt.Prefix;
        }
        var reader = new SettingsReader(merged);
        var host = HostSettings.Read(reader, Contracts.Settings.Store.Default);
        if (planKey is not null && !PlanRepository.IsPlanKey(planKey))
        {
            reader.AddError($"--plan: '{planKey}' is not a plan key: plans/....json (no empty, '.' or '..' segment, no backslash) or s3://bucket/plans/....json");
        }
        var formulae = reader.Raw(EnvVars.FormulaNames) is null ? null : reader.List(Contracts.Settings.FormulaNames);
        var request = new CliRequest(
            command,
            host,
            formulae,
            reader.Bool(Contracts.Settings.ForceDownload),
            reader.Bool(CliOptions.Json, false),
            reader.Bool(CliOptions.NoProgress, false),
            reader.Bool(Contracts.Settings.ForceRebuildHash),
            reader.Bool(CliOptions.Deep, false),
            planKey);
        if (command == "serve")
        {
            var listen = reader.Uri(Contracts.Settings.ServeListenUrl);
            if (listen.Scheme != Uri.UriSchemeHttp || listen.AbsolutePath != "/")
            {
                reader.AddError($"{EnvVars.ServeListenUrl}: '{listen}' must be http://HOST:PORT (put a TLS proxy or load balancer in front for https)");
            }
            if (options.Contains(EnvVars.ServeAllowedCidrs) && string.IsNullOrWhiteSpace(values.GetValueOrDefault(EnvVars.ServeAllowedCidrs)))
            {
                // Given but empty (an unset shell variable): refused rather than read as "every client".
                reader.AddError($"{EnvVars.ServeAllowedCidrs} (--allow): empty; leave --allow out to allow every client");
            }
            if (options.Contains(EnvVars.ServeTokenFile) && string.IsNullOrWhiteSpace(values.GetValueOrDefault(EnvVars.ServeTokenFile)))
            {
                // An unset shell variable must not turn tokens off.
                reader.AddError($"{EnvVars.ServeTokenFile} (--token-file): empty; leave --token-file out for a mirror without tokens");
            }
            var connections = reader.Int(Contracts.Settings.ServeMaxConnections);
            if (Contracts.Settings.ServeMaxConnections.Check(connections) is { } connectionsError)
            {
                reader.AddError(connectionsError);
            }
            request = request with
            {
                Listen = listen,
                MaxConnections = connections,
                Serve = ServeSettings.Read(reader, allowName: $"{EnvVars.ServeAllowedCidrs} (--allow)", tokenFileName: $"{EnvVars.ServeTokenFile} (--token-file)"),
            };
        }
        if (command == "prune")
        {
            var keep = reader.Int(Contracts.Settings.PruneKeepDays);
            if (Contracts.Settings.PruneKeepDays.Check(keep) is { } error)
            {
                reader.AddError(error);
            }
            request = request with { KeepDays = keep, DryRun = reader.Bool(CliOptions.DryRun, false), DeleteUnlisted = reader.Bool(CliOptions.DeleteUnlisted, false) };
        }
        errors.AddRange(reader.Errors);
        // A saved plan carries its formulae, date and force: options that would change them are refused (the environment is not).
        if (planKey is not null && new[] { EnvVars.FormulaNames, EnvVars.ForceDownload, EnvVars.SyncDate, EnvVars.ForceRebuildHash }.Any(options.Contains))
        {
            errors.Add("--plan executes a saved plan: --formula, --force, --date and --rebuild-hash do not apply");
        }
        if (request.RebuildHash && host.Store.S3Location is null)
        {
            errors.Add($"{EnvVars.ForceRebuildHash}: rebuilding the hash file needs the objects' metadata, which only the S3 store keeps");
        }
        return request;
    }
}
