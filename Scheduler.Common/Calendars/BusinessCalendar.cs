namespace Scheduler.Common.Calendars;

/// <summary>
/// The business days of a place: every day that is neither a weekend day nor a holiday. A calendar is about dates,
/// not instants: a schedule reads it in its own time zone. Each question is answered from a set lookup, so its
/// cost does not grow with the number of holidays (Quartz's <c>HolidayCalendar</c> over a <c>WeeklyCalendar</c>).
/// </summary>
public sealed class BusinessCalendar
{
    /// <summary>How far a search for a business day looks before it gives up (a calendar with none in a year is refused when written).</summary>
    public const int MaxSearchDays = 366;

    private readonly Dictionary<DateOnly, string> _holidays;
    private readonly bool[] _weekend = new bool[7];

    public BusinessCalendar(string name, IEnumerable<DayOfWeek> weekendDays, IEnumerable<Holiday> holidays, int version = 1)
    {
        Name = name;
        Version = version;
        foreach (var day in weekendDays)
        {
            _weekend[(int)day] = true;
        }
        _holidays = new Dictionary<DateOnly, string>();
        foreach (var holiday in holidays)
        {
            _holidays.TryAdd(holiday.Date, holiday.Name);
        }
    }

    public string Name { get; }

    /// <summary>The stored version the calendar was read at; executors cache by (id, version).</summary>
    public int Version { get; }

    public IReadOnlyList<DayOfWeek> WeekendDays => Enum.GetValues<DayOfWeek>().Where(d => _weekend[(int)d]).ToList();

    public IEnumerable<Holiday> Holidays => _holidays.Select(h => new Holiday(h.Key, h.Value)).OrderBy(h => h.Date);

    public bool IsBusinessDay(DateOnly date) => !_weekend[(int)date.DayOfWeek] && !_holidays.ContainsKey(date);

    /// <summary>Why <paramref name="date"/> is not a business day (<c>Christmas Day</c>, <c>a Saturday</c>), or null when it is one.</summary>
    public string? WhyNotBusinessDay(DateOnly date) =>
        _holidays.TryGetValue(date, out var name) ? name
        : _weekend[(int)date.DayOfWeek] ? $"a {date.DayOfWeek}"
        : null;

    /// <summary>The latest business day on or before <paramref name="date"/>; null if none within <see cref="MaxSearchDays"/>.</summary>
    public DateOnly? OnOrBefore(DateOnly date) => Search(date, -1);

    /// <summary>The earliest business day on or after <paramref name="date"/>; null if none within <see cref="MaxSearchDays"/>.</summary>
    public DateOnly? OnOrAfter(DateOnly date) => Search(date, +1);

    /// <summary>
    /// The <paramref name="n"/>th business day of the month (1 = first), or counted from the end when negative
    /// (-1 = last, -2 = second to last); null when the month has fewer.
    /// </summary>
    public DateOnly? NthOfMonth(int year, int month, int n)
    {
        var days = DateTime.DaysInMonth(year, month);
        var seen = 0;
        for (var i = 0; i < days; i++)
        {
            var date = n > 0 ? new DateOnly(year, month, 1 + i) : new DateOnly(year, month, days - i);
            if (IsBusinessDay(date) && ++seen == Math.Abs(n))
            {
                return date;
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="date"/> is one of the given business days of its month (1 = first, -1 = last).</summary>
    public bool IsNthOfMonth(DateOnly date, IReadOnlyCollection<int> positions)
    {
        if (!IsBusinessDay(date))
        {
            return false;
        }
        int fromStart = 0, fromEnd = 0;
        var days = DateTime.DaysInMonth(date.Year, date.Month);
        for (var d = 1; d <= days; d++)
        {
            var other = new DateOnly(date.Year, date.Month, d);
            if (!IsBusinessDay(other))
            {
                continue;
            }
            if (d <= date.Day)
            {
                fromStart++;
            }
            if (d >= date.Day)
            {
                fromEnd++;
            }
        }
        return positions.Contains(fromStart) || positions.Contains(-fromEnd);
    }

    private DateOnly? Search(DateOnly date, int step)
    {
        for (var i = 0; i < MaxSearchDays; i++)
        {
            if (IsBusinessDay(date))
            {
                return date;
            }
            if ((step < 0 && date == DateOnly.MinValue) || (step > 0 && date == DateOnly.MaxValue))
            {
                return null;
            }
            date = date.AddDays(step);
        }
        return null;
    }
}

/// <summary>A dated, named day off.</summary>
public sealed record Holiday(DateOnly Date, string Name);
