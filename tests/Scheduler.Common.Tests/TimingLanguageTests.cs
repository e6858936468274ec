using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Tests;

/// <summary>
/// The five examples over whole years — DST both ways (London and New York), the leap year 2028, year ends, and
/// August 2026 whose last day is a bank holiday on a Monday — checked against an oracle written independently of
/// <see cref="Occurrences"/>: walk every date, decide it by hand, convert its local time with <see cref="TimeZoneInfo"/>.
/// </summary>
public class TimingLanguageTests
{
    // England's bank holidays 2026–2028 (as published), enough to cross two year ends and the leap year.
    private static readonly Holiday[] EnglandHolidays =
    [
        new(new(2026, 1, 1), "New Year's Day"), new(new(2026, 4, 3), "Good Friday"), new(new(2026, 4, 6), "Easter Monday"),
        new(new(2026, 5, 4), "Early May bank holiday"), new(new(2026, 5, 25), "Spring bank holiday"), new(new(2026, 8, 31), "Summer bank holiday"),
        new(new(2026, 12, 25), "Christmas Day"), new(new(2026, 12, 28), "Boxing Day (substitute day)"),
        new(new(2027, 1, 1), "New Year's Day"), new(new(2027, 3, 26), "Good Friday"), new(new(2027, 3, 29), "Easter Monday"),
        new(new(2027, 5, 3), "Early May bank holiday"), new(new(2027, 5, 31), "Spring bank holiday"), new(new(2027, 8, 30), "Summer bank holiday"),
        new(new(2027, 12, 27), "Christmas Day (substitute day)"), new(new(2027, 12, 28), "Boxing Day (substitute day)"),
        new(new(2028, 1, 3), "New Year's Day (substitute day)"), new(new(2028, 2, 29), "Leap day off (a test holiday)"),
        new(new(2028, 4, 14), "Good Friday"), new(new(2028, 4, 17), "Easter Monday"), new(new(2028, 12, 25), "Christmas Day"),
        new(new(2028, 12, 26), "Boxing Day"),
    ];

    private static readonly BusinessCalendar England = new("uk-business", [DayOfWeek.Saturday, DayOfWeek.Sunday], EnglandHolidays);

    public static TheoryData<string, string, string, string[]?, string> Examples() => new()
    {
        // name, zone, cron, nonBusinessDay or businessDaysOfMonth, the oracle's rule
        { "17:00 on the last business day of the month", "Europe/London", "0 0 17 * * *", ["-1"], "last" },
        { "17:00 on the last day of the month, rolled back", "Europe/London", "0 0 17 L * *", ["previous"], "last" },
        { "09:00 on the first business day of the month", "America/New_York", "0 0 9 * * *", ["1"], "first" },
        { "09:00 on the 1st, rolled forward", "Europe/London", "0 0 9 1 * *", ["next"], "first" },
        { "09:30 every business day", "Europe/London", "0 30 9 * * *", ["skip"], "every" },
        { "08:00 on the 3rd and the 2nd-to-last business day", "America/New_York", "0 0 8 * * *", ["3", "-2"], "third-and-second-to-last" },
        { "every 15 minutes from 09:00 to 17:00 on business days", "Europe/London", "0 */15 9-16 * * *", ["skip"], "every" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_examples_fire_exactly_where_the_oracle_says_across_three_years(string name, string zone, string cron, string[]? rule, string oracle)
    {
        var timing = Timing(cron, zone, rule);
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var until = new DateTimeOffset(2029, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var actual = new List<DateTimeOffset>();
        for (var next = timing.Occurrences(England).NextAfter(from); next is { } at && at < until; next = timing.Occurrences(England).NextAfter(at))
        {
            actual.Add(at);
        }
        var expected = Oracle(cron, zone, oracle, from, until);

        Assert.True(expected.Count > 30, name);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_last_business_day_rolls_back_over_a_holiday_and_a_weekend()
    {
        // 31 Aug 2026 is a Monday bank holiday; 29–30 are the weekend: the month's last business day is Friday 28 Aug.
        var timing = Timing("0 0 17 L * *", "Europe/London", ["previous"]);
        var next = timing.Occurrences(England).NextAfter(new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 8, 28, 16, 0, 0, TimeSpan.Zero), next); // 17:00 BST
        var lastOfDecember = timing.Occurrences(England).NextAfter(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 17, 0, 0, TimeSpan.Zero), lastOfDecember); // 17:00 GMT
        var leap = timing.Occurrences(England).NextAfter(new DateTimeOffset(2028, 2, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2028, 2, 28, 17, 0, 0, TimeSpan.Zero), leap); // 29 Feb 2028 is a (test) holiday
    }

    [Fact]
    public void Rolled_occurrences_keep_their_local_time_and_collapse_onto_one_business_day()
    {
        // Daily at 17:00 rolled forward: Saturday's and Sunday's occurrences land on Monday, once.
        var timing = Timing("0 0 17 * * *", "Europe/London", ["next"]);
        var friday = new DateTimeOffset(2026, 11, 27, 17, 0, 0, TimeSpan.Zero);
        var occurrences = timing.Occurrences(England);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero), occurrences.NextAfter(friday));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 17, 0, 0, TimeSpan.Zero), occurrences.NextAfter(new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void A_rolled_occurrence_in_a_spring_forward_gap_fires_where_cronos_fires_one()
    {
        // Weekend is Saturday only: Saturday 28 Mar 2026 01:30 rolls to Sunday 29 Mar 01:30, which London skips (01:00 → 02:00).
        var saturdayOnly = new BusinessCalendar("sat", [DayOfWeek.Saturday], []);
        var rolled = Timing("0 30 1 * * *", "Europe/London", ["next"]).Occurrences(saturdayOnly)
            .NextAfter(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));
        var cronos = CronSchedule.Parse("0 30 1 * * *", "Europe/London").NextAfter(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(cronos, rolled);
    }

    [Fact]
    public void The_window_bounds_occurrences_and_an_empty_window_is_refused_naming_end_at()
    {
        var now = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var timing = new ScheduleTiming
        {
            Kind = ScheduleKind.Cron, Cron = "0 0 9 * * *", TimeZone = "UTC",
            StartAt = new DateTimeOffset(2026, 12, 10, 0, 0, 0, TimeSpan.Zero), EndAt = new DateTimeOffset(2026, 12, 12, 9, 0, 0, TimeSpan.Zero),
        };
        Assert.Equal([new DateTimeOffset(2026, 12, 10, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 11, 9, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 12, 12, 9, 0, 0, TimeSpan.Zero)], timing.Occurrences().Upcoming(now, 10));

        var errors = new ValidationErrors();
        TimingValidator.Validate(new ScheduleRequest { Cron = "0 0 9 * * *", StartAt = "2026-12-10T10:00:00Z", EndAt = "2026-12-10T11:00:00Z" }, now, null, errors);
        Assert.Contains("no occurrence", errors.ToDictionary()["endAt"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_preview_says_which_occurrences_the_calendar_moved_and_why()
    {
        var timing = Timing("0 0 9 * * *", "Europe/London", ["previous"]);
        var notes = timing.Occurrences(England).Adjustments(new DateTimeOffset(2026, 12, 24, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 29, 0, 0, 0, TimeSpan.Zero));
        var christmas = Assert.Single(notes, n => n.Reason.StartsWith("25 Dec 2026", StringComparison.Ordinal));
        Assert.Equal("25 Dec 2026 is Christmas Day in uk-business: rolled to 24 Dec", christmas.Reason);
        Assert.Equal(new DateTimeOffset(2026, 12, 24, 9, 0, 0, TimeSpan.Zero), christmas.MovedTo);
        Assert.Contains(notes, n => n.Reason == "26 Dec 2026 is a Saturday in uk-business: rolled to 24 Dec");
    }

    [Fact]
    public void The_preview_of_business_days_of_the_month_says_which_were_moved_and_why_as_L_with_previous_does()
    {
        // January 2027: the 31st is a Sunday, the 1st New Year's Day (a Friday): the last business day is the 29th, the first the 4th.
        var from = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero);
        var last = Assert.Single(Timing("0 0 17 * * *", "Europe/London", ["-1"]).Occurrences(England).Adjustments(from, to));
        Assert.Equal("the last business day of January 2027 in uk-business is 29 Jan, not 31 Jan: 31 Jan is a Sunday", last.Reason);
        Assert.Equal((new DateTimeOffset(2027, 1, 31, 17, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 29, 17, 0, 0, TimeSpan.Zero)), (last.Occurrence, last.MovedTo));
        var phrased = Timing("0 0 17 L * *", "Europe/London", ["previous"]).Occurrences(England).Adjustments(from, to);
        Assert.Equal(last.MovedTo, Assert.Single(phrased).MovedTo);

        var firstAndSecond = Timing("0 0 9 * * *", "Europe/London", ["1", "2"]).Occurrences(England).Adjustments(from, to);
        Assert.Equal(["the 1st business day of January 2027 in uk-business is 4 Jan, not 1 Jan: 1 Jan is New Year's Day",
            "the 2nd business day of January 2027 in uk-business is 5 Jan, not 2 Jan: 2 Jan is a Saturday"], firstAndSecond.Select(a => a.Reason));
    }

    [Fact]
    public void Every_field_that_is_wrong_is_reported_at_once()
    {
        var errors = new ValidationErrors();
        TimingValidator.Validate(new ScheduleRequest
        {
            Cron = "0 0 17 * * MON-FRI 2030", TimeZone = "Europe/Londn", Jitter = "soon", CatchUp = "sometimes", StartAt = "tomorrow",
        }, DateTimeOffset.UtcNow, null, errors);
        var fields = errors.ToDictionary().Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["catchUp", "cron", "jitter", "startAt", "timeZone"], fields);
    }

    [Fact]
    public void Jitter_longer_than_the_period_and_an_unknown_calendar_are_refused_by_name()
    {
        var now = DateTimeOffset.UtcNow;
        var errors = new ValidationErrors();
        TimingValidator.Validate(new ScheduleRequest { Cron = "0 * * * * *", Jitter = "2m" }, now, null, errors);
        Assert.Contains("not shorter than", errors.ToDictionary()["jitter"][0], StringComparison.Ordinal);

        errors = new ValidationErrors();
        TimingValidator.Validate(new ScheduleRequest { Cron = "0 0 9 * * *", Calendar = "nowhere" }, now, null, errors);
        Assert.Contains("no calendar named 'nowhere'", errors.ToDictionary()["calendar"][0], StringComparison.Ordinal);
    }

    private static ScheduleTiming Timing(string cron, string zone, string[]? rule)
    {
        var positions = rule?.Where(r => int.TryParse(r, out _)).Select(int.Parse).ToList() ?? [];
        var roll = rule?.FirstOrDefault(r => !int.TryParse(r, out _)) ?? "skip";
        return ScheduleTiming.ForCron(CronSchedule.Parse(cron, zone)) with
        {
            BusinessDays = new BusinessDayRule(Guid.NewGuid(), England.Name, Enum.Parse<NonBusinessDay>(roll, ignoreCase: true), positions),
        };
    }

    /// <summary>The expected fire times, decided date by date without the code under test.</summary>
    private static List<DateTimeOffset> Oracle(string cron, string zone, string rule, DateTimeOffset from, DateTimeOffset until)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var times = cron switch
        {
            "0 0 17 * * *" or "0 0 17 L * *" => [new TimeOnly(17, 0)],
            "0 0 9 * * *" or "0 0 9 1 * *" => [new TimeOnly(9, 0)],
            "0 30 9 * * *" => [new TimeOnly(9, 30)],
            "0 0 8 * * *" => [new TimeOnly(8, 0)],
            "0 */15 9-16 * * *" => Enumerable.Range(0, 32).Select(i => new TimeOnly(9, 0).AddMinutes(15 * i)).ToList(),
            _ => throw new ArgumentException(cron),
        };
        bool Business(DateOnly d) => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && EnglandHolidays.All(h => h.Date != d);
        List<DateOnly> BusinessDaysOf(int year, int month) =>
            Enumerable.Range(1, DateTime.DaysInMonth(year, month)).Select(d => new DateOnly(year, month, d)).Where(Business).ToList();

        var result = new List<DateTimeOffset>();
        for (var day = DateOnly.FromDateTime(from.UtcDateTime).AddDays(-1); day <= DateOnly.FromDateTime(until.UtcDateTime); day = day.AddDays(1))
        {
            var month = BusinessDaysOf(day.Year, day.Month);
            var fires = rule switch
            {
                "last" => month[^1] == day,
                "first" => month[0] == day,
                "every" => Business(day),
                "third-and-second-to-last" => month[2] == day || month[^2] == day,
                _ => throw new ArgumentException(rule),
            };
            if (!fires)
            {
                continue;
            }
            foreach (var time in times)
            {
                var local = day.ToDateTime(time);
                var at = new DateTimeOffset(local, tz.GetUtcOffset(local)).ToUniversalTime();
                if (at > from && at < until)
                {
                    result.Add(at);
                }
            }
        }
        return result;
    }
}
