using System.Globalization;

namespace HomebrewSync.Contracts;

/// <summary>
/// EventBridge schedule expressions, enough to say when the next sync is: <c>cron(min hour dom month dow year)</c>
/// with <c>*</c>, <c>?</c>, lists, ranges, steps and names (days 1-7 are SUN-SAT, as EventBridge counts them),
/// and <c>rate(n unit)</c>. <c>L</c>, <c>W</c> and <c>#</c> are not evaluated: <see cref="Next"/> gives null.
/// </summary>
public static class ScheduleExpression
{
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    /// <summary>The first time strictly after <paramref name="after"/> that the expression fires, in UTC; null when it cannot be told.</summary>
    public static DateTimeOffset? Next(string expression, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var e = expression.Trim();
        if (e.StartsWith("rate(", StringComparison.Ordinal) && e.EndsWith(')'))
        {
            var parts = e[5..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                TimeSpan? unit = parts[1].TrimEnd('s') switch { "minute" => TimeSpan.FromMinutes(1), "hour" => TimeSpan.FromHours(1), "day" => TimeSpan.FromDays(1), _ => null };
                return unit is { } u ? after + n * u : null;
            }
            return null;
        }
        if (!e.StartsWith("cron(", StringComparison.Ordinal) || !e.EndsWith(')'))
        {
            return null;
        }
        var f = e[5..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 6)
        {
            return null;
        }
        var minutes = Parse(f[0], 0, 59, null, 0);
        var hours = Parse(f[1], 0, 23, null, 0);
        var dom = Parse(f[2], 1, 31, null, 0);
        var months = Parse(f[3], 1, 12, Months, 1);
        var dow = Parse(f[4], 1, 7, Days, 1);
        var years = Parse(f[5], 1970, 2199, null, 0);
        if (minutes is null || hours is null || dom is null || months is null || dow is null || years is null)
        {
            return null;
        }
        var t = after.UtcDateTime;
        var day = t.Date;
        // Days first, then the first matching minute of the first matching day: at most a few years of days.
        for (var i = 0; i < 366 * 5; i++, day = day.AddDays(1))
        {
            if (!years.Contains(day.Year) || !months.Contains(day.Month) || !dom.Contains(day.Day) || !dow.Contains((int)day.DayOfWeek + 1))
            {
                continue;
            }
            foreach (var h in hours.Order())
            {
                foreach (var m in minutes.Order())
                {
                    var candidate = day.AddHours(h).AddMinutes(m);
                    if (candidate > t)
                    {
                        return new DateTimeOffset(candidate, TimeSpan.Zero);
                    }
                }
            }
        }
        return null;
    }

    /// <summary>The longest time between two firings over the next <paramref name="span"/> from <paramref name="from"/>; null when it cannot be told.</summary>
    public static TimeSpan? LongestGap(string expression, DateTimeOffset from, TimeSpan span)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var longest = TimeSpan.Zero;
        var previous = Next(expression, from);
        if (previous is null)
        {
            return null;
        }
        for (var i = 0; i < 2000 && previous < from + span; i++)
        {
            var next = Next(expression, previous.Value);
            if (next is null)
            {
                return null;
            }
            longest = next.Value - previous.Value > longest ? next.Value - previous.Value : longest;
            previous = next;
        }
        return longest;
    }

    private static HashSet<int>? Parse(string field, int min, int max, string[]? names, int nameBase)
    {
        var result = new HashSet<int>();
        if (field is "*" or "?")
        {
            for (var i = min; i <= max; i++)
            {
                result.Add(i);
            }
            return result;
        }
        foreach (var part in field.Split(','))
        {
            var (range, step) = part.Split('/') is [var r, var s] ? (r, s) : (part, "1");
            if (!int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var inc) || inc < 1)
            {
                return null;
            }
            int from, to;
            if (range == "*")
            {
                (from, to) = (min, max);
            }
            else if (range.Split('-') is [var a, var b])
            {
                if (Value(a, names, nameBase) is not { } x || Value(b, names, nameBase) is not { } y)
                {
                    return null;
                }
                (from, to) = (x, y);
            }
            else if (Value(range, names, nameBase) is { } v)
            {
                (from, to) = (v, part.Contains('/', StringComparison.Ordinal) ? max : v);
            }
            else
            {
                return null;
            }
            if (from < min || to > max || from > to)
            {
                return null;
            }
            for (var i = from; i <= to; i += inc)
            {
                result.Add(i);
            }
        }
        return result;
    }

    private static int? Value(string s, string[]? names, int nameBase)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }
        var i = names is null ? -1 : Array.IndexOf(names, s.ToUpperInvariant());
        return i >= 0 ? i + nameBase : null;
    }
}
