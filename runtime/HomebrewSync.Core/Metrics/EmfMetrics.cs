using System.Text.Json;

namespace HomebrewSync.Core.Metrics;

/// <summary>
/// The reference's custom metrics as one CloudWatch Embedded Metric Format document: written to the log
/// (Lambda, ECS with awslogs), CloudWatch turns it into metrics with no PutMetricData call.
/// </summary>
public static class EmfMetrics
{
    public const string Namespace = "HomebrewSync";

    public static string ForRun(string environment, string syncDate, string syncType, int downloaded, int failed, int skipped, TimeSpan duration, long bytes, DateTimeOffset timestamp)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("_aws");
            w.WriteNumber("Timestamp", timestamp.ToUnixTimeMilliseconds());
            w.WriteStartArray("CloudWatchMetrics");
            Directive(w, ["Environment", "SyncDate"], ("BottlesDownloaded", "Count"), ("BottlesFailed", "Count"), ("BottlesSkipped", "Count"));
            Directive(w, ["Environment", "SyncType"], ("SyncDuration", "Seconds"));
            Directive(w, ["Environment"], ("DownloadSize", "Bytes"));
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteString("Environment", environment);
            w.WriteString("SyncDate", syncDate);
            w.WriteString("SyncType", syncType);
            w.WriteNumber("BottlesDownloaded", downloaded);
            w.WriteNumber("BottlesFailed", failed);
            w.WriteNumber("BottlesSkipped", skipped);
            w.WriteNumber("SyncDuration", Math.Round(duration.TotalSeconds, 3));
            w.WriteNumber("DownloadSize", bytes);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>How old the mirror is (the daily freshness check): hours since the last run finished.</summary>
    public static string ForFreshness(string environment, double hours, DateTimeOffset timestamp)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("_aws");
            w.WriteNumber("Timestamp", timestamp.ToUnixTimeMilliseconds());
            w.WriteStartArray("CloudWatchMetrics");
            Directive(w, ["Environment"], (MirrorAgeHours, "None"));
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteString("Environment", environment);
            w.WriteNumber(MirrorAgeHours, hours);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public const string MirrorAgeHours = "MirrorAgeHours";

    private static void Directive(Utf8JsonWriter w, string[] dimensions, params (string Name, string Unit)[] metrics)
    {
        w.WriteStartObject();
        w.WriteString("Namespace", Namespace);
        w.WriteStartArray("Dimensions");
        w.WriteStartArray();
        foreach (var d in dimensions)
        {
            w.WriteStringValue(d);
        }
        w.WriteEndArray();
        w.WriteEndArray();
        w.WriteStartArray("Metrics");
        foreach (var (name, unit) in metrics)
        {
            w.WriteStartObject();
            w.WriteString("Name", name);
            w.WriteString("Unit", unit);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
