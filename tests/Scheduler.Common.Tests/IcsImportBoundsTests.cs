using System.Diagnostics;
using Scheduler.Common.Calendars;
using Xunit.Abstractions;

namespace Scheduler.Common.Tests;

/// <summary>An .ics file is hostile: each bound of <see cref="IcsImport"/> lets a file at it through and refuses one just past it, with the reason.</summary>
public class IcsImportBoundsTests(ITestOutputHelper output)
{
    private static readonly DateOnly From = new(2026, 1, 1);
    private static readonly DateOnly To = new(2031, 12, 31);

    private static string Calendar(params string[] body) =>
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Scheduleman tests//EN\n" + string.Join("", body) + "END:VCALENDAR\n";

    private static string Event(string uid, DateOnly date, string more = "") =>
        $"BEGIN:VEVENT\nUID:{uid}\nDTSTART;VALUE=DATE:{date:yyyyMMdd}\nSUMMARY:Day {uid}\n{more}END:VEVENT\n";

    private static string Events(int count) => Calendar(Enumerable.Range(0, count).Select(i => Event($"e{i}", From.AddDays(i))).ToArray());

    // VCALENDAR and one event are two components; the rest are empty to-dos.
    private static string Components(int count) => Calendar([Event("e", From), .. Enumerable.Repeat("BEGIN:VTODO\nEND:VTODO\n", count - 2)]);

    // VCALENDAR's four lines and the event's five: the rest are X- properties of the event.
    private static string Lines(int count) => Calendar(Event("e", From, string.Concat(Enumerable.Repeat("X-PAD:p\n", count - 9))));

    private static string ListedDates(int count) =>
        Calendar(Event("e", From, "RDATE;VALUE=DATE:" + string.Join(",", Enumerable.Range(1, count).Select(i => From.AddDays(i).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture))) + "\n"));

    // A daily rule from the window's start that matches once a year: its steps are the days to the window's end plus one.
    private static (string Text, DateOnly To) Steps(int steps) =>
        (Calendar(Event("e", From, "RRULE:FREQ=DAILY;BYMONTH=12;BYMONTHDAY=25\n")), From.AddDays(steps - 2));

    public static TheoryData<string, string, string> AtAndPastEachBound() => new()
    {
        { "events", Events(IcsImport.MaxEvents), Events(IcsImport.MaxEvents + 1) },
        { "components", Components(IcsImport.MaxComponents), Components(IcsImport.MaxComponents + 1) },
        { "lines", Lines(IcsImport.MaxLines), Lines(IcsImport.MaxLines + 1) },
        { "dates in RDATE and EXDATE", ListedDates(IcsImport.MaxListedDates), ListedDates(IcsImport.MaxListedDates + 1) },
    };

    [Theory]
    [MemberData(nameof(AtAndPastEachBound))]
    public void A_file_at_a_bound_is_read_and_one_just_past_it_is_refused_naming_the_bound(string bound, string at, string past)
    {
        var (holidays, error) = IcsImport.Parse(at, From, To);
        Assert.True(error is null, $"{bound}: {error}");
        Assert.NotEmpty(holidays);
        (holidays, error) = IcsImport.Parse(past, From, To);
        Assert.Empty(holidays);
        Assert.Contains(bound, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Recurrences_at_the_step_bound_are_expanded_and_one_step_more_is_refused()
    {
        var (text, to) = Steps(IcsImport.MaxRecurrenceSteps);
        var (holidays, error) = IcsImport.Parse(text, From, to);
        Assert.Null(error);
        Assert.Equal(Enumerable.Range(2026, to.Year - 2025).Select(y => new DateOnly(y, 12, 25)).Where(d => d <= to), holidays.Select(h => h.Date));

        (text, to) = Steps(IcsImport.MaxRecurrenceSteps + 1);
        (holidays, error) = IcsImport.Parse(text, From, to);
        Assert.Empty(holidays);
        Assert.Contains($"more than {IcsImport.MaxRecurrenceSteps} steps", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")]
    [InlineData("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")]
    [InlineData("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31")]
    public void A_recurrence_that_never_matches_is_a_reason_at_once_not_a_walk_to_the_year_9999(string rule)
    {
        var ics = Calendar(Event("never", From, $"RRULE:{rule}\n"));
        var started = Stopwatch.GetTimestamp();
        var (holidays, error) = IcsImport.Parse(ics, From, To);
        output.WriteLine($"{rule}: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        Assert.Empty(holidays);
        Assert.Contains("has no event with a readable date", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_finer_than_daily_is_refused_before_it_is_expanded()
    {
        var (holidays, error) = IcsImport.Parse(Calendar(Event("s", From, "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30\n")), From, To);
        Assert.Empty(holidays);
        Assert.Contains("holidays repeat daily at most", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_with_gaps_longer_than_the_unmatched_limit_of_a_short_window_still_finds_every_date_in_a_long_one()
    {
        // Leap days, by a daily rule: 1,461 unmatched days between them, more than the steps of a one-year window.
        var (holidays, error) = IcsImport.Parse(Calendar(Event("leap", new DateOnly(2029, 1, 1), "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29\n")),
            new DateOnly(2029, 1, 1), new DateOnly(2040, 12, 31));
        Assert.Null(error);
        Assert.Equal([new DateOnly(2032, 2, 29), new DateOnly(2036, 2, 29), new DateOnly(2040, 2, 29)], holidays.Select(h => h.Date));
    }
}
