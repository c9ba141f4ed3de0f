using HomebrewSync.Contracts;

namespace HomebrewSync.Cli;

/// <summary>Everything one invocation asked for, bound and validated.</summary>
internal sealed record CliRequest(
    string Command,
    SyncSettings Settings,
    string Store,
    IReadOnlyList<string>? Formulae,
    bool Force,
    DateOnly? Date,
    bool Json,
    bool NoProgress,
    Uri? S3Endpoint,
    string ServerSideEncryption,
    string? KmsKeyId,
    bool RebuildHash,
    bool Deep,
    NotificationSettings Notifications,
    Uri? SsmEndpoint,
    string? PlanKey)
{
    public (string Bucket, string Prefix)? S3Location => Aws.S3StoreOptions.ParseLocation(Store);

    /// <summary>Binds settings from the merged environment and options; every error is collected.</summary>
    public static CliRequest Bind(string command, IReadOnlyDictionary<string, string?> values, List<string> errors)
    {
        var reader = new SettingsReader(values);
        var settings = SyncSettingsReader.Read(reader);
        var store = reader.String(EnvVars.Store, CliOptions.DefaultStore);
        var planKey = reader.Raw("--plan");
        if (planKey is not null && Aws.S3StoreOptions.ParseLocation(planKey) is { } planAt)
        {
            // s3://bucket/plans/...: the plan lives in the bucket it fills.
            if (reader.Raw(EnvVars.Store) is null)
            {
                store = $"s3://{planAt.Bucket}";
            }
            planKey = planAt.Prefix;
        }
        if (planKey is not null && (!planKey.StartsWith("plans/", StringComparison.Ordinal) || planKey.Contains("..", StringComparison.Ordinal)))
        {
            reader.AddError($"--plan: '{planKey}' is not a plan key (plans/...) or s3://bucket/plans/...");
        }
        var formulae = reader.Raw(EnvVars.FormulaNames) is null ? null : reader.List(EnvVars.FormulaNames, []);
        var force = reader.Bool(EnvVars.ForceDownload, false);
        var date = reader.Date(EnvVars.SyncDate);
        var json = reader.Bool(CliOptions.Json, false);
        var noProgress = reader.Bool(CliOptions.NoProgress, false);
        var endpoint = reader.AwsEndpoint(EnvVars.AwsEndpointUrlS3);
        var sse = reader.String(EnvVars.S3ServerSideEncryption, Aws.S3StoreOptions.Aes256);
        var kmsKey = reader.Raw(EnvVars.KmsKeyId);
        var rebuild = reader.Bool(EnvVars.ForceRebuildHash, false);
        var deep = reader.Bool(CliOptions.Deep, false);
        var notifications = NotificationSettings.Read(reader);
        var ssmEndpoint = reader.AwsEndpoint(EnvVars.AwsEndpointUrlSsm);
        errors.AddRange(reader.Errors);
        errors.AddRange(SyncSettingsValidator.Validate(settings));
        var request = new CliRequest(command, settings, store, formulae, force, date, json, noProgress, endpoint, sse, kmsKey, rebuild, deep, notifications, ssmEndpoint, planKey);
        if (planKey is not null && (formulae is not null || force || rebuild || date is not null))
        {
            errors.Add("--plan executes a saved plan: --formula, --force, --date and --rebuild-hash do not apply");
        }
        if (sse is not (Aws.S3StoreOptions.Aes256 or Aws.S3StoreOptions.Kms))
        {
            errors.Add($"{EnvVars.S3ServerSideEncryption}: '{sse}' is not AES256 or aws:kms");
        }
        if (kmsKey is not null && sse != Aws.S3StoreOptions.Kms)
        {
            errors.Add($"{EnvVars.KmsKeyId}: a KMS key needs {EnvVars.S3ServerSideEncryption}=aws:kms");
        }
        if (request.S3Location is { } s3 && !Aws.S3StoreOptions.IsValidBucketName(s3.Bucket))
        {
            errors.Add($"{EnvVars.Store}: '{s3.Bucket}' is not an S3 bucket name");
        }
        if (rebuild && request.S3Location is null)
        {
            errors.Add($"{EnvVars.ForceRebuildHash}: rebuilding the hash file needs the objects' metadata, which only the S3 store keeps");
        }
        return request;
    }
}
