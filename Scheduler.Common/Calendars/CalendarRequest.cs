namespace Scheduler.Common.Calendars;

/// <summary>A business-day calendar as clients send it; everything optional so that validation can name each missing field.</summary>
public sealed record CalendarRequest
{
    /// <summary>Unique name within the tenant, e.g. <c>uk-business</c>; schedules name it.</summary>
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Days that are never business days, e.g. <c>["saturday", "sunday"]</c> (the default).</summary>
    public string[]? WeekendDays { get; init; }

    /// <summary>Dated, named days off, e.g. <c>{ "date": "2026-12-25", "name": "Christmas Day" }</c>.</summary>
    public HolidayRequest[]? Holidays { get; init; }

    /// <summary>Adds a country's public holidays for a span of years, computed when the calendar is written.</summary>
    public PublicHolidaysRequest? PublicHolidays { get; init; }
}

/// <summary>A holiday as clients send it.</summary>
public sealed record HolidayRequest
{
    /// <summary>A date, <c>yyyy-MM-dd</c>.</summary>
    public string? Date { get; init; }

    public string? Name { get; init; }
}

/// <summary>A country's public holidays (the PublicHoliday library) for the years <see cref="FromYear"/> to <see cref="ToYear"/>.</summary>
public sealed record PublicHolidaysRequest
{
    /// <summary>ISO 3166-1 alpha-2 code, e.g. <c>GB</c>, <c>US</c>, <c>DE</c>, as the library means it: <c>GB</c> is England and Wales.</summary>
    public string? Country { get; init; }

    /// <summary>
    /// An ISO 3166-2 subdivision of <see cref="Country"/> with holidays of its own, e.g. <c>GB-SCT</c> (Scotland), <c>GB-NIR</c>,
    /// <c>DE-BY</c>, <c>AU-VIC</c>, <c>CH-GE</c>; one the library does not know (<c>US-NY</c>) is refused by name.
    /// </summary>
    public string? Subdivision { get; init; }

    public int? FromYear { get; init; }

    public int? ToYear { get; init; }
}

/// <summary>A validated calendar.</summary>
public sealed record CalendarDefinition(string Name, string? Description, IReadOnlyList<DayOfWeek> WeekendDays, IReadOnlyList<Holiday> Holidays)
{
    public BusinessCalendar ToCalendar(int version = 1) => new(Name, WeekendDays, Holidays, version);
}
