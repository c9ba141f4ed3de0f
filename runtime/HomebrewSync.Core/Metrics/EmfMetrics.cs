using System.Text.Json;

namespace HomebrewSync.Core.Metrics;

/// <summary>
/// The reference's custom metrics as one CloudWatch Embedded Metric Format document: written to the log
/// (Lambda, ECS with awslogs), CloudWatch turns it into metrics with no PutMetricData call.
/// </summary>
internal static class EmfMetrics
{
    public const string Namespace = "HomebrewSync";

    public static string ForRun(string environment, string syncDate, string syncType, int downloaded, int failed, int skipped, TimeSpan duration, long bytes, DateTimeOffset timestamp) =>
        Document(timestamp,
            w =>
            {
                Directive(w, ["Environment", "SyncDate"], ("BottlesDownloaded", "Count"), ("BottlesFailed", "Count"), ("BottlesSkipped", "Count"));
                Directive(w, ["Environment", "SyncType"], ("SyncDuration", "Seconds"));
                Directive(w, ["Environment"], ("DownloadSize", "Bytes"));
            },
            w =>
            {
                w.WriteString("Environment", environment);
                w.WriteString("SyncDate", syncDate);
                w.WriteString("SyncType", syncType);
                w.WriteNumber("BottlesDownloaded", downloaded);
                w.WriteNumber("BottlesFailed", failed);
                w.WriteNumber("BottlesSkipped", skipped);
                w.WriteNumber("SyncDuration", Math.Round(duration.TotalSeconds, 3));
                w.WriteNumber("DownloadSize", bytes);
            });

    /// <summary>How old the mirror is (the daily freshness check): hours since the last run finished.</summary>
    public static string ForFreshness(string environment, double hours, DateTimeOffset timestamp) =>
        Document(timestamp,
            w => Directive(w, ["Environment"], (MirrorAgeHours, "None")),
            w =>
            {
                w.WriteString("Environment", environment);
                w.WriteNumber(MirrorAgeHours, hours);
            });

    /// <summary>One EMF document: the <c>_aws</c> block with its directives, then the dimension and metric values.</summary>
    private static string Document(DateTimeOffset timestamp, Action<Utf8JsonWriter> directives, Action<Utf8JsonWriter> values)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("_aws");
            w.WriteNumber("Timestamp", timestamp.ToUnixTimeMilliseconds());
            w.WriteStartArray("CloudWatchMetrics");
            directives(w);
            w.WriteEndArray();
            w.WriteEndObject();
            values(w);
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
