using System.Diagnostics;
using Ical.Net;
using Ical.Net.DataTypes;
using Ical.Net.Evaluation;

namespace Scheduler.Common.Calendars;

/// <summary>
/// Holidays from an iCalendar (.ics) file — how holiday feeds and Outlook or Google exports arrive — read with Ical.Net:
/// each event's days become holidays named by its summary; recurring events are expanded within the window; an all-day
/// event covers [start, end), a timed one its start day.
/// </summary>
/// <remarks>
/// The file is hostile until read: its shape is bounded by a scan of its lines before Ical.Net sees it (Ical.Net's own
/// parse takes seconds on 256 KiB of small components and half a minute on one RDATE of 29,000 dates), and its
/// recurrences by the steps they take from their start to the end of the window before any is expanded (a rule that never
/// matches otherwise runs on to the year 9999: five seconds for a daily one, for ever for a secondly one).
/// </remarks>
public static class IcsImport
{
    public const int MaxHolidays = CalendarValidator.MaxHolidays;

    /// <summary>The largest file read: a country's feed for a decade is 20–80 KiB; Ical.Net takes about a second per 256 KiB of small lines.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>Content lines (after unfolding): a thousand events of eight lines each, with room to spare.</summary>
    public const int MaxLines = 10_000;

    /// <summary>Events (VEVENT): a holiday feed has tens a year.</summary>
    public const int MaxEvents = 1_000;

    /// <summary>Components of any kind (events, alarms, time zones and their parts): each costs Ical.Net about 80 µs to build.</summary>
    public const int MaxComponents = 2 * MaxEvents;

    /// <summary>Dates listed in RDATE and EXDATE values, together: Ical.Net's cost grows with the square of one list.</summary>
    public const int MaxListedDates = 1_000;

    /// <summary>
    /// The steps every RRULE and EXRULE of the file take, together, from its DTSTART to the end of the window (a daily rule
    /// over six years is 2,192, a yearly one 6): at about 4 µs a step, 20,000 keep the expansion near a tenth of a second.
    /// </summary>
    public const int MaxRecurrenceSteps = 20_000;

    /// <summary>Occurrences expanded in all (holidays are days, so four times their cap leaves room for overlaps).</summary>
    public const int MaxOccurrences = 4 * MaxHolidays;

    /// <summary>A backstop over the bounds above, which keep a file far below it.</summary>
    public static readonly TimeSpan MaxExpansionTime = TimeSpan.FromSeconds(2);

    /// <summary>The holidays in <paramref name="text"/> between <paramref name="from"/> and <paramref name="to"/>, or the reason it cannot be read.</summary>
    public static (IReadOnlyList<Holiday> Holidays, string? Error) Parse(string text, DateOnly from, DateOnly to, TimeProvider? clock = null)
    {
        if (Shape(text) is { } shapeError)
        {
            return ([], shapeError);
        }
        Calendar calendar;
        try
        {
            calendar = Calendar.Load(text) ?? throw new FormatException("no VCALENDAR in it");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ([], $"is not an iCalendar file Ical.Net can read ({e.Message.Split('\n')[0]})");
        }
        if (calendar.Events.Count == 0)
        {
            return ([], "holds no events (VEVENT) to take holidays from");
        }
        var steps = 0L;
        foreach (var calendarEvent in calendar.Events.Where(e => e.DtStart is not null))
        {
            steps += Steps(calendarEvent, to);
            if (steps > MaxRecurrenceSteps)
            {
                return ([], $"has recurrences that take more than {MaxRecurrenceSteps} steps from their start to {to:yyyy-MM-dd} (past the limit at event " +
                    $"'{NameOf(calendarEvent)}'): holidays repeat daily at most, from a start near the years imported");
            }
        }

        clock ??= TimeProvider.System;
        var started = clock.GetTimestamp();
        var expanded = 0;
        var holidays = new Dictionary<DateOnly, string>();
        foreach (var calendarEvent in calendar.Events)
        {
            var name = NameOf(calendarEvent);
            if (calendarEvent.DtStart is null)
            {
                continue;
            }
            // Unmatched steps past those from its start to the window's end mean none is left inside the window: the end of it.
            var options = new EvaluationOptions { MaxUnmatchedIncrementsLimit = (int)(2 * Steps(calendarEvent, to)) + 10 };
            var occurrences = new List<Occurrence>();
            try
            {
                foreach (var occurrence in calendarEvent.GetOccurrences(new CalDateTime(from.Year, from.Month, from.Day), options))
                {
                    if (occurrence.Period.StartTime.Date > to)
                    {
                        break;
                    }
                    occurrences.Add(occurrence);
                    if (++expanded > MaxOccurrences)
                    {
                        return ([], $"has more than {MaxOccurrences} occurrences between {from:yyyy-MM-dd} and {to:yyyy-MM-dd} (past the limit at event '{name}')");
                    }
                    if (clock.GetElapsedTime(started) > MaxExpansionTime)
                    {
                        return ([], $"takes longer than {MaxExpansionTime.TotalSeconds:0} s to expand (stopped at event '{name}')");
                    }
                }
            }
            catch (EvaluationLimitExceededException)
            {
                // No occurrence within the window's reach: what was found is all there is.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return ([], $"has an event '{name}' whose dates cannot be computed ({e.Message.Split('\n')[0]})");
            }
            foreach (var occurrence in occurrences)
            {
                var first = occurrence.Period.StartTime.Date;
                var end = occurrence.Period.EffectiveEndTime?.Date ?? first.AddDays(1);
                var last = occurrence.Period.StartTime.HasTime || end <= first ? first : end.AddDays(-1);
                for (var day = first; day <= last && day <= to; day = day.AddDays(1))
                {
                    if (day >= from)
                    {
                        holidays.TryAdd(day, name);
                    }
                    if (holidays.Count > MaxHolidays)
                    {
                        return ([], $"holds more than {MaxHolidays} holidays between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
                    }
                }
            }
        }
        // A date Ical.Net cannot read drops its event silently: a file that yields nothing is an error, not an empty import.
        return holidays.Count == 0
            ? ([], $"has no event with a readable date between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}")
            : (holidays.Select(h => new Holiday(h.Key, h.Value)).OrderBy(h => h.Date).ToList(), null);
    }

    private static string NameOf(Ical.Net.CalendarComponents.CalendarEvent calendarEvent)
    {
        var name = string.IsNullOrWhiteSpace(calendarEvent.Summary) ? "Holiday" : calendarEvent.Summary.Trim();
        return name.Length <= CalendarValidator.MaxHolidayNameLength ? name : name[..CalendarValidator.MaxHolidayNameLength];
    }

    /// <summary>Why the file's lines are past a bound (null when they are not): counted before Ical.Net parses anything.</summary>
    private static string? Shape(string text)
    {
        int lines = 0, events = 0, components = 0, listed = 0;
        var inList = false;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            // A line that starts with a space or a tab continues the one before (RFC 5545 §3.1, folding).
            if (raw.IsEmpty || raw[0] is ' ' or '\t')
            {
                listed += inList ? raw.Count(',') : 0;
            }
            else if (++lines > MaxLines)
            {
                return $"has more than {MaxLines} lines";
            }
            else
            {
                inList = false;
            }
            if (raw.StartsWith("BEGIN:", StringComparison.OrdinalIgnoreCase))
            {
                events += raw[6..].Trim().Equals("VEVENT", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
                if (events > MaxEvents)
                {
                    return $"holds more than {MaxEvents} events (VEVENT)";
                }
                if (++components > MaxComponents)
                {
                    return $"holds more than {MaxComponents} components (BEGIN:…)";
                }
            }
            else if (raw.StartsWith("RDATE", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("EXDATE", StringComparison.OrdinalIgnoreCase))
            {
                inList = true;
                listed += 1 + raw.Count(',');
            }
            if (listed > MaxListedDates)
            {
                return $"lists more than {MaxListedDates} dates in RDATE and EXDATE properties";
            }
        }
        return null;
    }

    /// <summary>The steps the event's rules take from its start to <paramref name="to"/> (or their UNTIL), each a period of its frequency times its interval.</summary>
    private static long Steps(Ical.Net.CalendarComponents.CalendarEvent calendarEvent, DateOnly to)
    {
        var start = calendarEvent.DtStart!.Date;
        var steps = 0L;
        // Obsolete in Ical.Net (several RRULEs, EXRULE), yet still read from a file and expanded: so they are counted too.
#pragma warning disable CS0618
        var rules = calendarEvent.RecurrenceRules.Concat(calendarEvent.ExceptionRules ?? []).ToList();
#pragma warning restore CS0618
        foreach (var rule in rules)
        {
            var end = rule.Until is { } until && until.Date < to ? until.Date : to;
            var days = Math.Max(0, end.DayNumber - start.DayNumber) + 1L;
            var periods = rule.Frequency switch
            {
                FrequencyType.Secondly => days * 86_400,
                FrequencyType.Minutely => days * 1_440,
                FrequencyType.Hourly => days * 24,
                FrequencyType.Daily => days,
                FrequencyType.Weekly => days / 7,
                FrequencyType.Monthly => days / 28,
                _ => days / 365,
            };
            steps += periods / Math.Max(1, rule.Interval) + 1;
        }
        return steps;
    }
}
