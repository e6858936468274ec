using PublicHoliday;

namespace Scheduler.Common.Calendars;

/// <summary>Public holidays by country, from the PublicHoliday library (computed, no I/O): the observed day off of each.</summary>
public static class PublicHolidays
{
    /// <summary>The ISO 3166-1 codes the library knows.</summary>
    public static IReadOnlyList<string> Countries { get; } = Enum.GetNames<PublicHolidayCountryCode>()
        .Where(c => c != nameof(PublicHolidayCountryCode.Po)) // the library's misspelling of PL
        .Select(c => c.ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();

    /// <summary>The country's holidays for the years given, each on the day it is observed (a Sunday holiday moved to Monday).</summary>
    public static IReadOnlyList<Holiday> For(string country, int fromYear, int toYear)
    {
        var source = PublicHolidayFactory.GetPublicHolidayForCountry(country.ToUpperInvariant());
        return Enumerable.Range(fromYear, toYear - fromYear + 1)
            .SelectMany(source.PublicHolidaysInformation)
            .Select(h => new Holiday(DateOnly.FromDateTime(h.ObservedDate), string.IsNullOrWhiteSpace(h.EnglishName) ? h.Name : h.EnglishName))
            .DistinctBy(h => h.Date)
            .OrderBy(h => h.Date)
            .ToList();
    }
}
