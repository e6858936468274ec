using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Calendars;

namespace Scheduler.Storage.Calendars;

/// <summary>A row of <c>calendars</c>.</summary>
public sealed class CalendarRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public int[] WeekendDays { get; init; } = [];
    public string Holidays { get; init; } = "[]";
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The declarative source (<c>scheduleman apply --source</c>) that manages it; null: none.</summary>
    public string? ManagedBy { get; init; }

    /// <summary>How many live schedules follow it (filled by reads that count them).</summary>
    public int Schedules { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Holiday> HolidayList => JsonSerializer.Deserialize<List<StoredHoliday>>(Holidays, SchedulerJson.Options)!
        .Select(h => new Holiday(DateOnly.ParseExact(h.Date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), h.Name)).ToList();

    /// <summary>Monday first, as calendars are read.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<DayOfWeek> WeekendDayList => WeekendDays.Select(d => (DayOfWeek)d).OrderBy(d => ((int)d + 6) % 7).ToList();

    public BusinessCalendar ToCalendar() => new(Name, WeekendDayList, HolidayList, Version);

    public CalendarDefinition ToDefinition() => new(Name, Description, WeekendDayList, HolidayList);

    internal static string HolidaysJson(IEnumerable<Holiday> holidays) => JsonSerializer.Serialize(
        holidays.OrderBy(h => h.Date).Select(h => new StoredHoliday(h.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), h.Name)),
        SchedulerJson.Options);

    private sealed record StoredHoliday(string Date, string Name);
}
