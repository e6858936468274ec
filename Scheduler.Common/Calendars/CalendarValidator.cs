using System.Globalization;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Calendars;

/// <summary>Turns a <see cref="CalendarRequest"/> into a <see cref="CalendarDefinition"/>, or names each field that is wrong and why.</summary>
public static class CalendarValidator
{
    public const int MaxNameLength = 200;
    public const int MaxHolidays = 5_000;
    public const int MaxHolidayNameLength = 200;

    /// <summary>Holidays and seeded years lie within these years: anything else is a typo, not a plan.</summary>
    public const int FirstYear = 2000, LastYear = 2100;

    /// <summary>Years of public holidays one request may seed.</summary>
    public const int MaxSeedYears = 50;

    public static readonly DayOfWeek[] DefaultWeekend = [DayOfWeek.Saturday, DayOfWeek.Sunday];

    public static ValidationErrors Validate(CalendarRequest request, out CalendarDefinition? definition)
    {
        var errors = new ValidationErrors();
        definition = null;
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "is required");
        }
        else if (name.Length > MaxNameLength)
        {
            errors.Add("name", $"is {name.Length} characters long; the limit is {MaxNameLength}");
        }
        else if (name.Any(c => char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069'))
        {
            errors.Add("name", "must not contain control or bidirectional control characters");
        }
        if (request.Description is { Length: > 2_000 })
        {
            errors.Add("description", $"is {request.Description.Length} characters long; the limit is 2000");
        }
        else if (request.Description?.Contains('\0', StringComparison.Ordinal) == true)
        {
            errors.Add("description", "must not contain NUL (\\u0000)");
        }

        var weekend = new List<DayOfWeek>();
        foreach (var (day, i) in (request.WeekendDays ?? DefaultWeekend.Select(d => d.ToString().ToLowerInvariant()).ToArray()).Select((d, i) => (d, i)))
        {
            if (day is not null && Enum.TryParse<DayOfWeek>(day, ignoreCase: true, out var parsed) && !int.TryParse(day, out _))
            {
                weekend.Add(parsed);
            }
            else
            {
                errors.Add($"weekendDays[{i}]", $"'{ValidationErrors.Excerpt(day ?? "null")}' is not a day of the week (monday … sunday)");
            }
        }
        if (weekend.Distinct().Count() == 7)
        {
            errors.Add("weekendDays", "leaves no business day in the week");
        }

        var holidays = new Dictionary<DateOnly, string>();
        foreach (var (holiday, i) in (request.Holidays ?? []).Select((h, i) => (h, i)))
        {
            if (holiday is null)
            {
                errors.Add($"holidays[{i}]", "must be an object with a date and a name");
                continue;
            }
            if (!DateOnly.TryParseExact(holiday.Date?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                errors.Add($"holidays[{i}].date", $"'{ValidationErrors.Excerpt(holiday.Date ?? "null")}' is not a date (yyyy-MM-dd)");
            }
            else if (date.Year is < FirstYear or > LastYear)
            {
                errors.Add($"holidays[{i}].date", $"{date:yyyy-MM-dd} is outside {FirstYear}–{LastYear}");
            }
            else if (holidays.ContainsKey(date))
            {
                errors.Add($"holidays[{i}].date", $"{date:yyyy-MM-dd} is listed twice");
            }
            var holidayName = holiday.Name?.Trim();
            if (string.IsNullOrEmpty(holidayName) || holidayName.Length > MaxHolidayNameLength || holidayName.Any(char.IsControl))
            {
                errors.Add($"holidays[{i}].name", $"is required: 1–{MaxHolidayNameLength} characters without control characters");
            }
            else if (date != default && !holidays.ContainsKey(date))
            {
                holidays[date] = holidayName;
            }
        }

        if (request.PublicHolidays is { } seed)
        {
            var country = seed.Country?.Trim().ToUpperInvariant();
            var from = seed.FromYear ?? DateTime.UtcNow.Year;
            var to = seed.ToYear ?? from;
            var subdivision = seed.Subdivision?.Trim().ToUpperInvariant();
            if (country is null || !PublicHolidays.Countries.Contains(country))
            {
                errors.Add("publicHolidays.country", $"'{ValidationErrors.Excerpt(seed.Country ?? "null")}' is not a country the holiday library knows; use one of {string.Join(", ", PublicHolidays.Countries)}" +
                    " (GB is England and Wales; a subdivision such as GB-SCT goes in publicHolidays.subdivision)");
            }
            else if (subdivision is not null && !(subdivision.StartsWith(country + "-", StringComparison.Ordinal) && PublicHolidays.Subdivisions.Contains(subdivision)))
            {
                var known = PublicHolidays.Subdivisions.Where(s => s.StartsWith(country + "-", StringComparison.Ordinal)).ToList();
                errors.Add("publicHolidays.subdivision", $"'{ValidationErrors.Excerpt(seed.Subdivision!)}' is not a subdivision of {country} the holiday library knows; " + (known.Count > 0
                    ? $"use one of {string.Join(", ", known)}"
                    : $"it has no holidays by region for {country}, only the country's (regions it knows: {string.Join(", ", PublicHolidays.Subdivisions.Select(s => s[..2]).Distinct())})"));
            }
            if (from is < FirstYear or > LastYear || to is < FirstYear or > LastYear || to < from || to - from + 1 > MaxSeedYears)
            {
                errors.Add("publicHolidays.toYear", $"years {from}–{to} must lie within {FirstYear}–{LastYear}, in order, at most {MaxSeedYears} of them");
            }
            else if (errors.IsValid)
            {
                foreach (var holiday in PublicHolidays.For(country!, from, to, subdivision))
                {
                    // A holiday given by hand keeps its name.
                    holidays.TryAdd(holiday.Date, holiday.Name);
                }
            }
        }
        if (holidays.Count > MaxHolidays)
        {
            errors.Add("holidays", $"has {holidays.Count} holidays; the limit is {MaxHolidays}");
        }

        if (errors.IsValid)
        {
            definition = new CalendarDefinition(name!, string.IsNullOrWhiteSpace(request.Description) ? null : request.Description,
                weekend.Distinct().Order().ToList(), holidays.Select(h => new Holiday(h.Key, h.Value)).OrderBy(h => h.Date).ToList());
        }
        return errors;
    }

}
