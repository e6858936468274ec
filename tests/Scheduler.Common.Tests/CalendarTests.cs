using Scheduler.Common.Calendars;

namespace Scheduler.Common.Tests;

public class CalendarTests
{
    private static readonly BusinessCalendar Calendar = new("c", [DayOfWeek.Saturday, DayOfWeek.Sunday],
        [new Holiday(new DateOnly(2026, 12, 25), "Christmas Day"), new Holiday(new DateOnly(2026, 12, 28), "Boxing Day (substitute day)")]);

    [Fact]
    public void Business_days_skip_weekends_and_holidays_both_ways()
    {
        Assert.False(Calendar.IsBusinessDay(new DateOnly(2026, 12, 25)));
        Assert.Equal(new DateOnly(2026, 12, 24), Calendar.OnOrBefore(new DateOnly(2026, 12, 27)));
        Assert.Equal(new DateOnly(2026, 12, 29), Calendar.OnOrAfter(new DateOnly(2026, 12, 25)));
        Assert.Equal("Christmas Day", Calendar.WhyNotBusinessDay(new DateOnly(2026, 12, 25)));
        Assert.Equal("a Saturday", Calendar.WhyNotBusinessDay(new DateOnly(2026, 12, 26)));
        Assert.Null(Calendar.WhyNotBusinessDay(new DateOnly(2026, 12, 24)));
    }

    [Theory]
    [InlineData(1, "2026-12-01")]
    [InlineData(3, "2026-12-03")]
    [InlineData(-1, "2026-12-31")]
    [InlineData(-2, "2026-12-30")]
    [InlineData(-3, "2026-12-29")]
    [InlineData(-4, "2026-12-24")]
    [InlineData(22, null)] // December 2026 has 21 business days here
    public void Nth_business_day_of_the_month_counts_from_either_end(int n, string? expected)
    {
        var date = Calendar.NthOfMonth(2026, 12, n);
        Assert.Equal(expected, date?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        if (date is { } d)
        {
            Assert.True(Calendar.IsNthOfMonth(d, [n]));
        }
    }

    [Fact]
    public void Public_holidays_come_from_the_library_on_the_day_they_are_observed()
    {
        var uk = PublicHolidays.For("GB", 2026, 2026);
        // Boxing Day 2026 is a Saturday: the day off is Monday 28 December.
        Assert.Contains(uk, h => h.Date == new DateOnly(2026, 12, 28));
        Assert.Contains(uk, h => h.Date == new DateOnly(2026, 12, 25) && h.Name.Contains("Christmas", StringComparison.Ordinal));
        // Found on a live run: the library leaves some countries' names out of PublicHolidaysInformation.
        foreach (var country in new[] { "GB", "US", "DE", "FR" })
        {
            Assert.All(PublicHolidays.For(country, 2026, 2027), h => Assert.False(string.IsNullOrWhiteSpace(h.Name), $"{country} {h.Date}"));
        }
        Assert.Contains("GB", PublicHolidays.Countries);
        Assert.Contains("US", PublicHolidays.Countries);
    }

    [Fact]
    public void An_ics_feed_gives_all_day_multi_day_and_yearly_events_as_holidays()
    {
        const string ics = """
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//test//EN
            BEGIN:VEVENT
            UID:1@test
            DTSTART;VALUE=DATE:20261225
            DTEND;VALUE=DATE:20261226
            RRULE:FREQ=YEARLY
            SUMMARY:Christmas Day
            END:VEVENT
            BEGIN:VEVENT
            UID:2@test
            DTSTART;VALUE=DATE:20260803
            DTEND;VALUE=DATE:20260806
            SUMMARY:Summer closure
            END:VEVENT
            END:VCALENDAR
            """;
        var (holidays, error) = IcsImport.Parse(ics, new DateOnly(2026, 1, 1), new DateOnly(2027, 12, 31));
        Assert.Null(error);
        Assert.Equal(["2026-08-03 Summer closure", "2026-08-04 Summer closure", "2026-08-05 Summer closure", "2026-12-25 Christmas Day", "2027-12-25 Christmas Day"],
            holidays.Select(h => $"{h.Date:yyyy-MM-dd} {h.Name}"));
    }

    [Theory]
    [InlineData("not a calendar at all")]
    [InlineData("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR")]
    [InlineData("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026XX25\nEND:VEVENT\nEND:VCALENDAR")]
    public void A_malformed_ics_file_is_a_reason_not_an_exception(string ics)
    {
        var (holidays, error) = IcsImport.Parse(ics, new DateOnly(2026, 1, 1), new DateOnly(2027, 12, 31));
        Assert.Empty(holidays);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void A_subdivision_has_its_own_holidays_where_the_library_knows_it_and_is_refused_by_name_where_not()
    {
        static IReadOnlyList<Holiday>? Seed(string country, string? subdivision, out IDictionary<string, string[]> errors)
        {
            errors = CalendarValidator.Validate(new CalendarRequest
            {
                Name = "c",
                PublicHolidays = new PublicHolidaysRequest { Country = country, Subdivision = subdivision, FromYear = 2027, ToYear = 2027 },
            }, out var definition).ToDictionary();
            return definition?.Holidays;
        }
        // GB is England and Wales: Scotland adds 2 January and St Andrew's Day; Northern Ireland St Patrick's Day and the Twelfth.
        var gb = Seed("GB", null, out _)!.Select(h => h.Date).ToList();
        Assert.Equal(gb, Seed("GB", "GB-ENG", out _)!.Select(h => h.Date));
        var scotland = Seed("GB", "gb-sct", out _)!.Select(h => h.Date).ToList();
        Assert.Contains(new DateOnly(2027, 1, 4), scotland); // 2 January 2027 is a Saturday: observed on Monday the 4th
        Assert.Contains(new DateOnly(2027, 11, 30), scotland);
        Assert.DoesNotContain(new DateOnly(2027, 3, 29), scotland); // no Easter Monday in Scotland
        var northernIreland = Seed("GB", "GB-NIR", out _)!.Select(h => h.Date).ToList();
        Assert.Contains(new DateOnly(2027, 3, 17), northernIreland);
        Assert.Contains(new DateOnly(2027, 7, 12), northernIreland);
        // Bavaria keeps Epiphany and Corpus Christi, which Germany as a whole does not.
        var bavaria = Seed("DE", "DE-BY", out _)!.Select(h => h.Date).ToList();
        Assert.Contains(new DateOnly(2027, 1, 6), bavaria);
        Assert.DoesNotContain(new DateOnly(2027, 1, 6), Seed("DE", null, out _)!.Select(h => h.Date));

        Assert.Null(Seed("US", "US-NY", out var us));
        Assert.Contains("'US-NY' is not a subdivision of US the holiday library knows; it has no holidays by region for US", Assert.Single(us["publicHolidays.subdivision"]), StringComparison.Ordinal);
        Assert.Null(Seed("GB", "DE-BY", out var elsewhere));
        Assert.Contains("use one of GB-ENG, GB-NIR, GB-SCT, GB-WLS", Assert.Single(elsewhere["publicHolidays.subdivision"]), StringComparison.Ordinal);
        Assert.Null(Seed("XX", null, out var country));
        Assert.Contains("GB is England and Wales", Assert.Single(country["publicHolidays.country"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_validator_names_each_bad_field_and_seeds_from_a_country()
    {
        var errors = CalendarValidator.Validate(new CalendarRequest
        {
            Name = "",
            WeekendDays = ["saturday", "caturday"],
            Holidays = [new HolidayRequest { Date = "1066-10-14", Name = "Hastings" }, new HolidayRequest { Date = "2026-12-25" }],
            PublicHolidays = new PublicHolidaysRequest { Country = "XX" },
        }, out var none);
        Assert.Null(none);
        Assert.Equal(["holidays[0].date", "holidays[1].name", "name", "publicHolidays.country", "weekendDays[1]"],
            errors.ToDictionary().Keys.Order(StringComparer.Ordinal));

        Assert.True(CalendarValidator.Validate(new CalendarRequest
        {
            Name = "uk-business",
            Holidays = [new HolidayRequest { Date = "2026-12-25", Name = "Christmas (ours)" }],
            PublicHolidays = new PublicHolidaysRequest { Country = "gb", FromYear = 2026, ToYear = 2027 },
        }, out var seeded).IsValid);
        Assert.Equal([DayOfWeek.Sunday, DayOfWeek.Saturday], seeded!.WeekendDays);
        Assert.Equal("Christmas (ours)", seeded.Holidays.Single(h => h.Date == new DateOnly(2026, 12, 25)).Name);
        Assert.True(seeded.Holidays.Count >= 16);
    }
}
