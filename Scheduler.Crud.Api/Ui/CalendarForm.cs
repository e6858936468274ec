using System.Globalization;
using Scheduler.Common.Calendars;
using Scheduler.Common.Validation;
using Scheduler.Storage.Calendars;

namespace Scheduler.Crud.Api.Ui;

/// <summary>The calendar form: weekend days as checkboxes, holidays one per line (<c>2026-12-25 Christmas Day</c>), an optional country seed.</summary>
public sealed class CalendarForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public List<string> WeekendDays { get; set; } = ["saturday", "sunday"];
    public string? Holidays { get; set; }
    public string? Country { get; set; }
    public int? FromYear { get; set; }
    public int? ToYear { get; set; }

    public static IReadOnlyList<string> Days { get; } = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    public CalendarRequest ToRequest(ValidationErrors errors)
    {
        var holidays = new List<HolidayRequest>();
        foreach (var (line, i) in (Holidays ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select((l, i) => (l, i)))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length < 2)
            {
                errors.Add("holidays", $"line {i + 1}: '{(line.Length > 40 ? line[..40] + "…" : line)}' is not 'yyyy-MM-dd Name'");
                continue;
            }
            holidays.Add(new HolidayRequest { Date = parts[0], Name = parts[1] });
        }
        return new CalendarRequest
        {
            Name = Name,
            Description = string.IsNullOrWhiteSpace(Description) ? null : Description,
            WeekendDays = WeekendDays.ToArray(),
            Holidays = holidays.ToArray(),
            PublicHolidays = string.IsNullOrWhiteSpace(Country) ? null : new PublicHolidaysRequest { Country = Country, FromYear = FromYear, ToYear = ToYear },
        };
    }

    public static CalendarForm From(CalendarRecord record) => new()
    {
        Name = record.Name,
        Description = record.Description,
        WeekendDays = record.WeekendDayList.Select(d => d.ToString().ToLowerInvariant()).ToList(),
        Holidays = string.Join('\n', record.HolidayList.Select(h => $"{h.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} {h.Name}")),
    };
}
