namespace HomebrewSync.Contracts;

/// <summary>Who is told what, and the names that make a message useful (console links, log group, schedule).</summary>
public sealed record NotificationSettings
{
    public static readonly string DefaultSchedule = Settings.ScheduleExpression.Default!;

    /// <summary>Shown as "Environment:" (prod, dev, local).</summary>
    public string Environment { get; init; } = Settings.Environment.Default!;

    /// <summary>The incoming webhook; null when Slack is not configured (or comes from <see cref="SlackWebhookSecretName"/>).</summary>
    public SecretUrl? SlackWebhookUrl { get; init; }

    /// <summary>Secrets Manager secret holding the webhook URL.</summary>
    public string? SlackWebhookSecretName { get; init; }

    public string? SlackChannel { get; init; }
    public string? SlackUsername { get; init; }
    public string Region { get; init; } = "us-east-1";
    public string ScheduleExpression { get; init; } = DefaultSchedule;

    /// <summary>The <see cref="ScheduleExpression"/> of a deployment that runs only when asked: no "Next sync" in messages.</summary>
    public const string NoSchedule = "none";
    public double SizeThresholdGb { get; init; } = Settings.SizeThresholdGb.Default!.Value;
    /// <summary>The ECS cluster large plans go to; null where there is none (every plan goes to the Lambda worker).</summary>
    public string? EcsClusterName { get; init; }

    /// <summary>The orchestrator Lambda, for the log group and the console links of "failed"; null for a run on one machine.</summary>
    public string? OrchestratorFunctionName { get; init; }

    /// <summary>How the transfer runs: Lambda, ECS, or Local.</summary>
    public string SyncMethod { get; init; } = Settings.SyncMethod.Default!;

    /// <summary>What started the run: Scheduled, Manual, Selective.</summary>
    public string Trigger { get; init; } = Settings.SyncTrigger.Default!;

    public TimeSpan ProgressUpdateInterval { get; init; } = TimeSpan.FromSeconds(Settings.ProgressUpdateInterval.Default!.Value);

    /// <summary>Where brew reaches the mirror, named in "complete" with the variables to set; null when none is known.</summary>
    public Uri? MirrorUrl { get; init; }

    /// <summary>The longest a run waits on Slack for one message, retries included.</summary>
    public TimeSpan SlackMaxWait { get; init; } = TimeSpan.FromSeconds(Settings.SlackMaxWaitSeconds.Default!.Value);

    /// <summary>Write the run's CloudWatch Embedded Metric Format line to the host's log (standard output on Lambda, standard error for the CLI).</summary>
    public bool EmitMetrics { get; init; } = Settings.EmitMetrics.DefaultFlag;

    public static NotificationSettings Read(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var d = new NotificationSettings();
        var url = reader.Raw(EnvVars.SlackWebhookUrl);
        if (url is not null && (!System.Uri.TryCreate(url, UriKind.Absolute, out var parsed) || !SecretUrl.IsAllowed(parsed)))
        {
            // The value itself is a secret: name the variable, never echo it.
            reader.AddError($"{EnvVars.SlackWebhookUrl}: is not {SecretUrl.Rule}");
            url = null;
        }
        var settings = new NotificationSettings
        {
            Environment = reader.String(Settings.Environment)!,
            SlackWebhookUrl = url is null ? null : new SecretUrl(new Uri(url)),
            SlackWebhookSecretName = reader.Raw(EnvVars.SlackWebhookSecretName),
            SlackChannel = reader.Raw(EnvVars.SlackChannel),
            SlackUsername = reader.Raw(EnvVars.SlackUsername),
            Region = reader.String(EnvVars.AwsRegion, d.Region),
            ScheduleExpression = reader.String(Settings.ScheduleExpression)!,
            SizeThresholdGb = reader.Double(Settings.SizeThresholdGb),
            EcsClusterName = reader.Raw(EnvVars.EcsClusterName),
            OrchestratorFunctionName = reader.Raw(EnvVars.OrchestratorFunctionName),
            SyncMethod = reader.String(Settings.SyncMethod)!,
            Trigger = reader.String(Settings.SyncTrigger)!,
            ProgressUpdateInterval = reader.Seconds(Settings.ProgressUpdateInterval),
            SlackMaxWait = reader.Seconds(Settings.SlackMaxWaitSeconds),
            EmitMetrics = reader.Bool(Settings.EmitMetrics),
            MirrorUrl = reader.Raw(EnvVars.MirrorUrl) is null ? null : reader.Uri(EnvVars.MirrorUrl, new Uri("http://invalid")),
        };
        foreach (var error in new[]
        {
            Settings.ProgressUpdateInterval.Check(settings.ProgressUpdateInterval.TotalSeconds),
            Settings.SlackMaxWaitSeconds.Check(settings.SlackMaxWait.TotalSeconds),
            Settings.SizeThresholdGb.Check(settings.SizeThresholdGb),
        }.OfType<string>())
        {
            reader.AddError(error);
        }
        return settings;
    }
}
