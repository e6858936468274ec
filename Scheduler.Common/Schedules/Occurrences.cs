using Scheduler.Common.Calendars;

using Scheduler.Common.Time;

namespace Scheduler.Common.Schedules;

/// <summary>
/// The occurrences of a timing, composed in order: the base timing (cron in its zone, DST as Cronos does it), the
/// business-day rule over a calendar (skip, roll to the previous or next business day at the same local time, or
/// only the nth business days of the month), then the validity window. Pure; each call looks at a bounded number
/// of days and asks the calendar set lookups only, so its cost does not grow with the calendar.
/// </summary>
public sealed class Occurrences
{
    /// <summary>How many days a search for the next occurrence looks at before it says there is none.</summary>
    public const int MaxScanDays = 2 * 366;

    private readonly ScheduleTiming _timing;
    private readonly BusinessCalendar? _calendar;
    private readonly CronSchedule? _cron;

    public Occurrences(ScheduleTiming timing, BusinessCalendar? calendar)
    {
        if (timing.BusinessDays is not null && calendar is null)
        {
            throw new ArgumentException($"the timing follows calendar '{timing.BusinessDays.CalendarName}', which was not given", nameof(calendar));
        }
        _timing = timing;
        _calendar = timing.BusinessDays is null ? null : calendar;
        _cron = timing.Kind == ScheduleKind.Cron ? timing.CronSchedule : null;
    }

    /// <summary>
    /// The first time to fire for a schedule created or resumed at <paramref name="now"/>: a cron's first occurrence
    /// after now (and not before the window opens), a one-shot's instant (even if past: it fires late rather than
    /// never), nothing for a manual job.
    /// </summary>
    public DateTimeOffset? FirstFireAt(DateTimeOffset now) => _timing.Kind switch
    {
        ScheduleKind.Cron => NextAfter(_timing.StartAt is { } start && start > now ? start.AddTicks(-1) : now),
        ScheduleKind.Manual => null,
        _ => _timing.RunAt,
    };

    /// <summary>The first occurrence at or after <paramref name="instant"/> (recurring timings; null for one-shots and manual jobs).</summary>
    public DateTimeOffset? AtOrAfter(DateTimeOffset instant) => NextAfter(instant.AddTicks(-1));

    /// <summary>The occurrence after <paramref name="instant"/>; null when there is none (a one-shot, a manual job, past the window).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant)
    {
        if (_cron is null)
        {
            return null;
        }
        if (_timing.StartAt is { } start && instant < start)
        {
            instant = start.AddTicks(-1);
        }
        var next = Unbounded(instant);
        return next is { } at && _timing.EndAt is { } end && at > end ? null : next;
    }

    /// <summary>
    /// The occurrence before <paramref name="instant"/> by the timing and its calendar (the validity window aside: the
    /// first occurrence still has one); null for one-shots and manual jobs, or when none lies within <see cref="MaxScanDays"/>.
    /// Searches back in windows growing eightfold from a second, so its cost follows the timing's period, not the calendar.
    /// </summary>
    public DateTimeOffset? Before(DateTimeOffset instant)
    {
        if (_cron is null)
        {
            return null;
        }
        var limit = TimeSpan.FromDays(MaxScanDays);
        for (var window = TimeSpan.FromSeconds(1); ; window = window * 8 > limit ? limit : window * 8)
        {
            if (Unbounded((instant - window).AddTicks(-1)) is { } first && first < instant)
            {
                var last = first;
                for (var next = Unbounded(last); next is { } n && n < instant; next = Unbounded(n))
                {
                    last = n;
                }
                return last;
            }
            if (window >= limit)
            {
                return null;
            }
        }
    }

    /// <summary>The data interval of the occurrence at <paramref name="occurrence"/>: from the occurrence before it (null for one-shots and manual jobs).</summary>
    public DataInterval? IntervalEndingAt(DateTimeOffset occurrence) =>
        Before(occurrence) is { } start ? new DataInterval(start, occurrence) : null;

    private DateTimeOffset? Unbounded(DateTimeOffset instant) =>
        _calendar is null ? _cron!.NextAfter(instant) : NextBusinessOccurrence(_calendar, _timing.BusinessDays!, instant);

    /// <summary>The next <paramref name="count"/> fire times after <paramref name="from"/> (a one-shot's instant if it is not before).</summary>
    public IReadOnlyList<DateTimeOffset> Upcoming(DateTimeOffset from, int count)
    {
        var result = new List<DateTimeOffset>(Math.Min(count, 100));
        var next = FirstFireAt(from);
        while (next is { } at && result.Count < count)
        {
            if (at >= from)
            {
                result.Add(at);
            }
            next = NextAfter(at);
        }
        return result;
    }

    /// <summary>
    /// The base timing's occurrences in [<paramref name="from"/>, <paramref name="to"/>] that the calendar moved or
    /// dropped, with the reason (at most <paramref name="limit"/>, one per day): what a preview shows beside the fire times.
    /// </summary>
    public IReadOnlyList<Adjustment> Adjustments(DateTimeOffset from, DateTimeOffset to, int limit = 50)
    {
        var notes = new List<Adjustment>();
        if (_cron is null || _calendar is null || _timing.BusinessDays is not { } rule)
        {
            return notes;
        }
        if (rule.DaysOfMonth.Count > 0)
        {
            return MonthDayAdjustments(_calendar, rule.DaysOfMonth, from, to, limit);
        }
        var zone = _cron.Zone;
        var day = LocalDate(from, zone);
        var last = LocalDate(to, zone);
        for (var i = 0; day <= last && i < MaxScanDays && notes.Count < limit; i++, day = day.AddDays(1))
        {
            if (_calendar.WhyNotBusinessDay(day) is not { } why || FirstOn(day, from) is not { } raw || raw > to)
            {
                continue;
            }
            var moved = rule.NonBusinessDay switch
            {
                NonBusinessDay.Previous => _calendar.OnOrBefore(day),
                NonBusinessDay.Next => _calendar.OnOrAfter(day),
                _ => null,
            };
            notes.Add(new Adjustment(raw, moved is { } target ? ZoneTime.ToInstant(target, TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(raw, zone).TimeOfDay), zone) : null,
                $"{day:d MMM yyyy} is {why} in {_calendar.Name}: " + (moved is { } to2 ? $"rolled to {to2:d MMM}" : "skipped")));
        }
        return notes;
    }

    /// <summary>
    /// For <c>businessDaysOfMonth</c>: each month's nth business day that is not the month's nth day (a weekend or holiday moved
    /// it), as the calendar day's occurrence moved to the business day's, as <c>L</c> with <c>previous</c> phrases it.
    /// </summary>
    private List<Adjustment> MonthDayAdjustments(BusinessCalendar calendar, IReadOnlyCollection<int> positions, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        var notes = new List<Adjustment>();
        var zone = _cron!.Zone;
        var first = LocalDate(from, zone);
        var last = LocalDate(to, zone);
        // Bounded as the daily scan is: no more months than MaxScanDays spans.
        for (var month = new DateOnly(first.Year, first.Month, 1); month <= last && notes.Count < limit && month.DayNumber - first.DayNumber < MaxScanDays; month = month.AddMonths(1))
        {
            var days = DateTime.DaysInMonth(month.Year, month.Month);
            foreach (var n in positions.Order())
            {
                if (Math.Abs(n) > days || calendar.NthOfMonth(month.Year, month.Month, n) is not { } business)
                {
                    continue;
                }
                var plain = n > 0 ? month.AddDays(n - 1) : month.AddDays(days + n);
                if (business == plain || FirstOn(business, from) is not { } fires)
                {
                    continue;
                }
                // Listed as the daily rules list theirs: by the occurrence the calendar moved, up to the last fire time shown.
                var occurrence = ZoneTime.ToInstant(plain, TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(fires, zone).TimeOfDay), zone);
                if (occurrence > to)
                {
                    continue;
                }
                // The first day in between that is not a business day says why (31 Jan is a Sunday; 1 Jan is New Year's Day).
                var step = n > 0 ? 1 : -1;
                var cause = plain;
                while (calendar.IsBusinessDay(cause) && cause != business)
                {
                    cause = cause.AddDays(-step);
                }
                var why = calendar.WhyNotBusinessDay(cause) is { } reason ? $"{cause:d MMM} is {reason}" : "";
                notes.Add(new Adjustment(occurrence, fires,
                    $"the {Ordinal(n)} business day of {month:MMMM yyyy} in {calendar.Name} is {business:d MMM}, not {plain:d MMM}" + (why.Length > 0 ? $": {why}" : "")));
            }
        }
        return notes;
    }

    private static string Ordinal(int n) => n switch
    {
        -1 => "last",
        < 0 => $"{Ordinal(-n)} to last",
        _ => n + ((n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" }),
    };

    private DateTimeOffset? NextBusinessOccurrence(BusinessCalendar calendar, BusinessDayRule rule, DateTimeOffset after)
    {
        var zone = _cron!.Zone;
        var startDay = LocalDate(after, zone);
        var candidate = calendar.OnOrAfter(startDay);
        for (var scanned = 0; candidate is { } day && scanned < MaxScanDays; scanned++, candidate = calendar.OnOrAfter(day.AddDays(1)))
        {
            if (rule.DaysOfMonth.Count > 0 && !calendar.IsNthOfMonth(day, rule.DaysOfMonth))
            {
                continue;
            }
            // The day's own occurrences, and those of the non-business days that roll onto it.
            DateTimeOffset? best = null;
            foreach (var source in Sources(calendar, rule.NonBusinessDay, day))
            {
                if (FirstMovedTo(source, day, after) is { } at && (best is null || at < best))
                {
                    best = at;
                }
            }
            if (best is not null)
            {
                return best;
            }
        }
        return null;
    }

    /// <summary>The days whose occurrences fire on business day <paramref name="day"/> under the rule.</summary>
    private static IEnumerable<DateOnly> Sources(BusinessCalendar calendar, NonBusinessDay rule, DateOnly day)
    {
        yield return day;
        var step = rule switch { NonBusinessDay.Next => -1, NonBusinessDay.Previous => +1, _ => 0 };
        if (step == 0)
        {
            yield break;
        }
        var source = day.AddDays(step);
        for (var i = 0; i < BusinessCalendar.MaxSearchDays && !calendar.IsBusinessDay(source); i++, source = source.AddDays(step))
        {
            yield return source;
        }
    }

    /// <summary>The earliest occurrence of <paramref name="source"/>'s local day, moved to <paramref name="day"/> at the same local time, that is after <paramref name="after"/>.</summary>
    private DateTimeOffset? FirstMovedTo(DateOnly source, DateOnly day, DateTimeOffset after)
    {
        var zone = _cron!.Zone;
        if (source == day)
        {
            var next = _cron.NextAfter(after > StartOf(day, zone) ? after : StartOf(day, zone).AddTicks(-1));
            return next is { } n && LocalDate(n, zone) == day ? n : null;
        }
        // Start at the local time of 'after' on the source day when the target day is the day of 'after'.
        var from = LocalDate(after, zone) == day
            ? ZoneTime.ToInstant(source, TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(after, zone).TimeOfDay), zone).AddTicks(-1)
            : StartOf(source, zone).AddTicks(-1);
        for (var o = _cron.NextAfter(from); o is { } occurrence && LocalDate(occurrence, zone) == source; o = _cron.NextAfter(occurrence))
        {
            var moved = ZoneTime.ToInstant(day, TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(occurrence, zone).TimeOfDay), zone);
            if (moved > after)
            {
                return moved;
            }
        }
        return null;
    }

    private DateTimeOffset? FirstOn(DateOnly day, DateTimeOffset notBefore)
    {
        var start = StartOf(day, _cron!.Zone);
        var next = _cron.NextAfter((start > notBefore ? start : notBefore).AddTicks(-1));
        return next is { } n && LocalDate(n, _cron.Zone) == day ? n : null;
    }

    private static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    private static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone) => ZoneTime.ToInstant(day, TimeOnly.MinValue, zone);
}

/// <summary>
/// The span of time a run covers, <c>[Start, End)</c>: for a timed occurrence, from the occurrence before it to it (Airflow's
/// data interval); for a backfill's day, week or month, that period in the job's zone.
/// </summary>
public sealed record DataInterval(DateTimeOffset Start, DateTimeOffset End);

/// <summary>An occurrence of the base timing that the calendar moved (<see cref="MovedTo"/>) or dropped (null), and why.</summary>
public sealed record Adjustment(DateTimeOffset Occurrence, DateTimeOffset? MovedTo, string Reason);
