using Ical.Net.DataTypes;

namespace Scheduler.Common.Calendars;

/// <summary>
/// Holidays from an iCalendar (.ics) file — how holiday feeds and Outlook or Google exports arrive — read with Ical.Net:
/// each event's days become holidays named by its summary; recurring events are expanded within the window; an all-day
/// event covers [start, end), a timed one its start day.
/// </summary>
public static class IcsImport
{
    public const int MaxHolidays = CalendarValidator.MaxHolidays;

    /// <summary>The holidays in <paramref name="text"/> between <paramref name="from"/> and <paramref name="to"/>, or the reason it cannot be read.</summary>
    public static (IReadOnlyList<Holiday> Holidays, string? Error) Parse(string text, DateOnly from, DateOnly to)
    {
        Ical.Net.Calendar calendar;
        try
        {
            calendar = Ical.Net.Calendar.Load(text) ?? throw new FormatException("no VCALENDAR in it");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ([], $"is not an iCalendar file Ical.Net can read ({e.Message.Split('\n')[0]})");
        }
        if (calendar.Events.Count == 0)
        {
            return ([], "holds no events (VEVENT) to take holidays from");
        }
        var holidays = new Dictionary<DateOnly, string>();
        foreach (var calendarEvent in calendar.Events)
        {
            var name = string.IsNullOrWhiteSpace(calendarEvent.Summary) ? "Holiday" : calendarEvent.Summary.Trim();
            if (calendarEvent.DtStart is null)
            {
                continue;
            }
            IEnumerable<Occurrence> occurrences;
            try
            {
                occurrences = calendarEvent.GetOccurrences(new CalDateTime(from.Year, from.Month, from.Day), null)
                    .TakeWhile(o => o.Period.StartTime.Date <= to).Take(MaxHolidays + 1).ToList();
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
                        holidays.TryAdd(day, name.Length <= CalendarValidator.MaxHolidayNameLength ? name : name[..CalendarValidator.MaxHolidayNameLength]);
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
}
