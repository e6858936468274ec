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
        var holidays = new List<Holiday>();
        for (var year = fromYear; year <= toYear; year++)
        {
            // Some countries fill the names of PublicHolidaysInformation, others only PublicHolidayNames (by date).
            var names = source.PublicHolidayNames(year);
            foreach (var h in source.PublicHolidaysInformation(year))
            {
                var name = new[] { h.EnglishName, h.Name, names.TryGetValue(h.ObservedDate, out var o) ? o : null,
                        names.TryGetValue(h.HolidayDate, out var d) ? d : null }
                    .FirstOrDefault(n => !string.IsNullOrWhiteSpace(n)) ?? "Public holiday";
                holidays.Add(new Holiday(DateOnly.FromDateTime(h.ObservedDate), name.Trim()));
            }
        }
        return holidays.DistinctBy(h => h.Date).OrderBy(h => h.Date).ToList();
    }
}
