using System.Globalization;
using System.Text.RegularExpressions;

namespace Scheduler.Common.Schedules;

/// <summary>
/// Says when a schedule fires in plain English, e.g. "at 17:00, Monday through Friday, Europe/London".
/// Covers the shapes people write; anything else is described by quoting the expression.
/// </summary>
public static partial class ScheduleDescriber
{
    private static readonly string[] DayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    private static readonly string[] DayAbbreviations = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12];

    [GeneratedRegex(@"^\d+$")]
    private static partial Regex Number();

    [GeneratedRegex(@"^\*/(\d+)$")]
    private static partial Regex Step();

    public static string Describe(ScheduleTiming timing)
    {
        var text = timing.Kind switch
        {
            ScheduleKind.Cron => DescribeCron(timing.Cron!, timing.TimeZone ?? "UTC"),
            ScheduleKind.RunAt => $"once, at {Instant(timing.RunAt!.Value)}",
            ScheduleKind.Manual => "only when triggered (no timer)",
            _ => $"once, {Time.Durations.Brief(timing.Delay!.Value)} after it was created (at {Instant(timing.RunAt!.Value)})",
        };
        if (timing.BusinessDays is { } rule)
        {
            text += rule.DaysOfMonth.Count > 0
                ? $"; only on the {string.Join(" and ", rule.DaysOfMonth.Select(BusinessDayOrdinal))} business day of the month in {rule.CalendarName}"
                : rule.NonBusinessDay switch
                {
                    NonBusinessDay.Previous => $"; on a non-business day in {rule.CalendarName}, the business day before instead",
                    NonBusinessDay.Next => $"; on a non-business day in {rule.CalendarName}, the business day after instead",
                    _ => $"; business days only ({rule.CalendarName})",
                };
        }
        if (timing.StartAt is { } start)
        {
            text += $"; from {Instant(start)}";
        }
        if (timing.EndAt is { } end)
        {
            text += $"; until {Instant(end)}";
        }
        if (timing.Jitter is { } jitter)
        {
            text += $"; each up to {Time.Durations.Brief(jitter)} later (jitter)";
        }
        return text;
    }

    /// <summary>1 → first, 3 → 3rd, -1 → last, -2 → 2nd-to-last.</summary>
    public static string BusinessDayOrdinal(int n) => n switch
    {
        1 => "first",
        -1 => "last",
        > 0 => Ordinal(n),
        _ => $"{Ordinal(-n)}-to-last",
    };

    private static string Ordinal(int n) => n + (n % 100 is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    public static string DescribeCron(string expression, string timeZone)
    {
        if (expression.StartsWith('@'))
        {
            return $"{expression[1..]}, {timeZone}";
        }
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (second, minute, hour, dayOfMonth, month, dayOfWeek) = fields.Length == 6
            ? (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
            : ("0", fields[0], fields[1], fields[2], fields[3], fields[4]);

        var time = DescribeTime(second, minute, hour);
        if (time is null)
        {
            return $"cron '{expression}', {timeZone}";
        }
        var parts = new List<string> { time };
        if (DescribeDays(dayOfMonth, dayOfWeek) is not { } days)
        {
            return $"cron '{expression}', {timeZone}";
        }
        if (days.Length > 0)
        {
            parts.Add(days);
        }
        if (month != "*")
        {
            if (!TryList(month, MonthName, out var months))
            {
                return $"cron '{expression}', {timeZone}";
            }
            parts.Add($"in {months}");
        }
        parts.Add(timeZone);
        return string.Join(", ", parts);
    }

    private static string? DescribeTime(string second, string minute, string hour)
    {
        bool fixedSecond = Number().IsMatch(second), fixedMinute = Number().IsMatch(minute);
        if (second == "*")
        {
            return minute == "*" && hour == "*" ? "every second" : null;
        }
        if (Step().Match(second) is { Success: true } everySeconds)
        {
            return minute == "*" && hour == "*" ? $"every {everySeconds.Groups[1].Value} seconds" : null;
        }
        if (!fixedSecond)
        {
            return null;
        }
        var secondSuffix = second == "0" ? "" : $", at second {second}";
        if (minute == "*")
        {
            return hour == "*" ? "every minute" + secondSuffix : null;
        }
        if (Step().Match(minute) is { Success: true } everyMinutes)
        {
            var within = hour == "*" ? "" : HourWindow(hour);
            return within is null ? null : $"every {everyMinutes.Groups[1].Value} minutes{within}{secondSuffix}";
        }
        if (!fixedMinute)
        {
            return null;
        }
        if (hour == "*")
        {
            return $"at minute {minute} of every hour{secondSuffix}";
        }
        if (Step().Match(hour) is { Success: true } everyHours)
        {
            return $"at minute {minute} every {everyHours.Groups[1].Value} hours{secondSuffix}";
        }
        var clock = second == "0" ? "{0:00}:{1:00}" : "{0:00}:{1:00}:{2:00}";
        return TryList(hour, h => string.Format(CultureInfo.InvariantCulture, clock, int.Parse(h, CultureInfo.InvariantCulture),
            int.Parse(minute, CultureInfo.InvariantCulture), int.Parse(second, CultureInfo.InvariantCulture)), out var times)
            ? $"at {times}"
            : null;
    }

    /// <summary>", between 09:00 and 17:59" for 9-17; ", in the hours from 09:00 and 17:00" for 9,17.</summary>
    private static string? HourWindow(string hour)
    {
        var range = hour.Split('-');
        if (range.Length == 2 && int.TryParse(range[0], CultureInfo.InvariantCulture, out var from) && int.TryParse(range[1], CultureInfo.InvariantCulture, out var to))
        {
            return $", between {from:00}:00 and {to:00}:59";
        }
        return TryList(hour, h => $"{int.Parse(h, CultureInfo.InvariantCulture):00}:00", out var hours) ? $", in the hours from {hours}" : null;
    }

    /// <returns>"" for every day, null when the fields are too unusual to put in words.</returns>
    private static string? DescribeDays(string dayOfMonth, string dayOfWeek)
    {
        var anyDay = dayOfMonth is "*" or "?";
        var anyWeekday = dayOfWeek is "*" or "?";
        if (anyDay && anyWeekday)
        {
            return "";
        }
        if (anyDay)
        {
            var range = dayOfWeek.Split('-');
            if (range.Length == 2 && DayIndex(range[0]) is { } from && DayIndex(range[1]) is { } to)
            {
                return $"{DayNames[from]} through {DayNames[to]}";
            }
            return TryList(dayOfWeek, d => DayIndex(d) is { } i ? DayNames[i] : null, out var days) ? $"on {days}" : null;
        }
        if (anyWeekday)
        {
            if (dayOfMonth == "L")
            {
                return "on the last day of the month";
            }
            return TryList(dayOfMonth, d => d, out var days) ? $"on day {days} of the month" : null;
        }
        return null;
    }

    private static int? DayIndex(string day)
    {
        if (int.TryParse(day, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 7)
        {
            return n;
        }
        var i = Array.IndexOf(DayAbbreviations, day.ToUpperInvariant());
        return i >= 0 ? i : null;
    }

    private static string? MonthName(string month)
    {
        if (int.TryParse(month, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 12)
        {
            return MonthNames[n - 1];
        }
        var i = Array.FindIndex(MonthNames, m => m.StartsWith(month, StringComparison.OrdinalIgnoreCase) && month.Length == 3);
        return i >= 0 ? MonthNames[i] : null;
    }

    /// <summary>"a", "a and b", "a, b and c" from a comma list whose every item <paramref name="name"/> can name.</summary>
    private static bool TryList(string field, Func<string, string?> name, out string text)
    {
        text = "";
        var items = new List<string>();
        foreach (var item in field.Split(','))
        {
            if (item.Length == 0 || item.Contains('-', StringComparison.Ordinal) || item.Contains('/', StringComparison.Ordinal) || item.Contains('*', StringComparison.Ordinal) || name(item) is not { } named)
            {
                return false;
            }
            items.Add(named);
        }
        text = items.Count == 1 ? items[0] : string.Join(", ", items[..^1]) + " and " + items[^1];
        return true;
    }

    private static string Instant(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
