using Scheduler.Storage.Calendars;

namespace Scheduler.Crud.Api.Calendars;

/// <summary>A business-day calendar as the API returns it.</summary>
public sealed record CalendarResponse
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    /// <summary>Days that are never business days, e.g. <c>["saturday", "sunday"]</c>.</summary>
    public required IReadOnlyList<string> WeekendDays { get; init; }
    /// <summary>Dated days off, in date order.</summary>
    public required IReadOnlyList<HolidayResponse> Holidays { get; init; }
    /// <summary>Live schedules that follow it.</summary>
    public int Schedules { get; init; }
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The declarative source that manages it (<c>scheduleman apply --source</c>); absent: made in the API or the UI.</summary>
    public string? ManagedBy { get; init; }

    public static CalendarResponse From(CalendarRecord record) => new()
    {
        Id = record.Id,
        Name = record.Name,
        Description = record.Description,
        WeekendDays = record.WeekendDayList.Select(d => d.ToString().ToLowerInvariant()).ToList(),
        Holidays = record.HolidayList.Select(h => new HolidayResponse(h.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), h.Name)).ToList(),
        Schedules = record.Schedules,
        Version = record.Version,
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        ManagedBy = record.ManagedBy,
    };
}

/// <summary>A holiday: its date (<c>yyyy-MM-dd</c>) and name.</summary>
public sealed record HolidayResponse(string Date, string Name);

/// <summary>A page of calendars; pass <c>nextCursor</c> as <c>cursor</c> for the next (absent on the last page).</summary>
public sealed record CalendarPage(IReadOnlyList<CalendarResponse> Items, string? NextCursor);

/// <summary>A calendar after an import, and how many holidays the file added.</summary>
public sealed record CalendarImportResult(CalendarResponse Calendar, int Added, int AlreadyThere);
