using PublicHoliday;

namespace Scheduler.Common.Calendars;

/// <summary>
/// Public holidays by country, or by a country's subdivision where the PublicHoliday library computes its own (computed, no
/// I/O): the observed day off of each. A country alone is what the library means by it: <c>GB</c> is England and Wales.
/// </summary>
public static class PublicHolidays
{
    /// <summary>The ISO 3166-1 codes the library knows.</summary>
    public static IReadOnlyList<string> Countries { get; } = Enum.GetNames<PublicHolidayCountryCode>()
        .Where(c => c != nameof(PublicHolidayCountryCode.Po)) // the library's misspelling of PL
        .Select(c => c.ToUpperInvariant()).Order(StringComparer.Ordinal).ToList();

    /// <summary>What a country's code alone stands for, where the country has subdivisions with holidays of their own.</summary>
    public static IReadOnlyDictionary<string, string> CountryMeans { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["GB"] = "England and Wales (GB-ENG, GB-WLS); Scotland is GB-SCT, Northern Ireland GB-NIR",
        ["DE"] = "the holidays every German Land keeps; a Land's own are DE-BY, DE-BW, …",
        ["AU"] = "the national holidays; a state's own are AU-NSW, AU-VIC, …",
        ["CH"] = "the federal holidays; a canton's own are CH-ZH, CH-GE, …",
    };

    // ISO 3166-2 codes mapped to the library's own names for them (its enums use the part after the dash, except the UK's).
    private static readonly Dictionary<string, Func<IPublicHolidays>> Regional = Build();

    /// <summary>The ISO 3166-2 subdivisions with holidays of their own (<c>GB-SCT</c>, <c>DE-BY</c>, <c>AU-VIC</c>, <c>CH-GE</c>…).</summary>
    public static IReadOnlyList<string> Subdivisions { get; } = Regional.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The country's (or its <paramref name="subdivision"/>'s) holidays for the years given, each on the day it is observed (a Sunday holiday moved to Monday).</summary>
    public static IReadOnlyList<Holiday> For(string country, int fromYear, int toYear, string? subdivision = null)
    {
        var source = subdivision is null
            ? PublicHolidayFactory.GetPublicHolidayForCountry(country.ToUpperInvariant())
            : Regional.TryGetValue(subdivision.ToUpperInvariant(), out var make) ? make() : throw new ArgumentException($"no holidays for '{subdivision}'", nameof(subdivision));
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

    private static Dictionary<string, Func<IPublicHolidays>> Build()
    {
        var regional = new Dictionary<string, Func<IPublicHolidays>>(StringComparer.Ordinal)
        {
            ["GB-ENG"] = () => new UKBankHoliday(UKBankHoliday.UkCountries.England),
            ["GB-WLS"] = () => new UKBankHoliday(UKBankHoliday.UkCountries.Wales),
            ["GB-SCT"] = () => new UKBankHoliday(UKBankHoliday.UkCountries.Scotland),
            ["GB-NIR"] = () => new UKBankHoliday(UKBankHoliday.UkCountries.NorthernIreland),
        };
        foreach (var state in Enum.GetValues<GermanPublicHoliday.States>().Where(s => s != GermanPublicHoliday.States.ALL))
        {
            regional[$"DE-{state}"] = () => new GermanPublicHoliday { State = state };
        }
        foreach (var state in Enum.GetValues<AustraliaPublicHoliday.States>().Where(s => s != AustraliaPublicHoliday.States.All))
        {
            regional[$"AU-{state}"] = () => new AustraliaPublicHoliday { State = state };
        }
        foreach (var canton in Enum.GetValues<SwitzerlandPublicHoliday.Cantons>().Where(c => c is not (SwitzerlandPublicHoliday.Cantons.OnlyOfficial or SwitzerlandPublicHoliday.Cantons.ALL)))
        {
            regional[$"CH-{canton}"] = () => new SwitzerlandPublicHoliday(false, false, false) { Canton = canton };
        }
        return regional;
    }
}
