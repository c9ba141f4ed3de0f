using System.Globalization;

namespace HomebrewSync.Core.Formatting;

/// <summary>Numbers, sizes and durations the way the reference prints them: <c>1,247</c>, <c>15.3 GB</c>, <c>8 minutes 34 seconds</c>.</summary>
public static class Humanize
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB", "PB"];

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A value from a document or a store as a message quotes it: whole up to 200 characters, else its start and its length.</summary>
    public static string Clip(string value) => Clip(value, 200);

    /// <summary>Whole up to <paramref name="keep"/> characters, else its first <paramref name="keep"/> and its length.</summary>
    public static string Clip(string value, int keep)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= keep ? value : $"{value[..keep]}… ({Count(value.Length)} characters)";
    }

    /// <summary>Binary multiples (1 GB = 1024^3 bytes), one decimal from KB up.</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 0)
        {
            return "-" + Bytes(-bytes);
        }
        if (bytes < 1024)
        {
            return $"{bytes.ToString(CultureInfo.InvariantCulture)} B";
        }
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {Units[unit]}";
    }

    public static string Speed(double bytesPerSecond) => $"{Bytes((long)bytesPerSecond)}/s";

    /// <summary><c>8 minutes 34 seconds</c>, <c>1 hour 2 minutes</c>, <c>12 minutes</c>, <c>45 seconds</c>.</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }
        var total = (long)Math.Round(duration.TotalSeconds);
        long hours = total / 3600, minutes = total % 3600 / 60, seconds = total % 60;
        if (hours > 0)
        {
            return minutes > 0 ? $"{Plural(hours, "hour")} {Plural(minutes, "minute")}" : Plural(hours, "hour");
        }
        if (minutes > 0)
        {
            return seconds > 0 ? $"{Plural(minutes, "minute")} {Plural(seconds, "second")}" : Plural(minutes, "minute");
        }
        return Plural(seconds, "second");
    }

    /// <summary>Minutes only, rounded, for estimates (<c>35 minutes</c>); seconds under a minute.</summary>
    public static string Estimate(TimeSpan duration) =>
        duration.TotalSeconds < 60 ? Plural((long)Math.Max(0, Math.Round(duration.TotalSeconds)), "second") : Plural((long)Math.Round(duration.TotalMinutes), "minute");

    private static string Plural(long n, string unit) => n == 1 ? $"1 {unit}" : $"{Count(n)} {unit}s";
}
