using Scheduler.Common.Backfills;
using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;
using Xunit;

namespace Scheduler.Common.Tests;

public sealed class BackfillTests
{
    // London leaves summer time on Sunday 25 Oct 2026; Wednesday 28 Oct is a holiday; every other day is a business day.
    private static readonly BusinessCalendar Calendar = new("ops", [], [new Holiday(new DateOnly(2026, 10, 28), "Founders' Day")]);
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ScheduleTiming Daily(string time = "0 0 6 * * *") => new()
    {
        Kind = ScheduleKind.Cron, Cron = time, TimeZone = "Europe/London",
        BusinessDays = new BusinessDayRule(Guid.NewGuid(), "ops", NonBusinessDay.Skip, []),
    };

    private static (BackfillPlan? Plan, ValidationErrors Errors) Plan(BackfillRequest request, ScheduleTiming? timing)
    {
        var errors = new ValidationErrors();
        return (BackfillPlanner.Plan(request, timing, timing?.Occurrences(Calendar), Now, errors), errors);
    }

    private static DateTimeOffset Utc(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public void By_occurrence_each_run_covers_the_interval_since_the_one_before_across_the_dst_change_and_the_holiday()
    {
        var (plan, errors) = Plan(new BackfillRequest { Start = "2026-10-22", End = "2026-10-30" }, Daily());
        Assert.True(errors.IsValid, errors.ToString());
        // 06:00 London is 05:00Z in summer time, 06:00Z after; the holiday's occurrence is skipped, so the next run covers two days.
        Assert.Equal(
        [
            (Utc(10, 22, 5), Utc(10, 23, 5)), (Utc(10, 23, 5), Utc(10, 24, 5)), (Utc(10, 24, 5), Utc(10, 25, 6)),
            (Utc(10, 25, 6), Utc(10, 26, 6)), (Utc(10, 26, 6), Utc(10, 27, 6)), (Utc(10, 27, 6), Utc(10, 29, 6)), (Utc(10, 29, 6), Utc(10, 30, 6)),
        ], plan!.Runs.Select(r => (r.Interval.Start, r.Interval.End)).ToList());
        Assert.All(plan.Runs, r => Assert.Equal(r.Interval.End, r.LogicalDate));
        Assert.Equal(TimeSpan.FromHours(25), plan.Runs[2].Interval.End - plan.Runs[2].Interval.Start);
    }

    [Fact]
    public void By_day_a_week_is_seven_daily_runs_of_local_days_and_the_holiday_has_none()
    {
        var (plan, errors) = Plan(new BackfillRequest { Start = "2026-10-22", End = "2026-10-30", Batch = "day", MaxActiveRuns = 2 }, Daily("0 0 17 * * *"));
        Assert.True(errors.IsValid, errors.ToString());
        Assert.Equal(7, plan!.Runs.Count);
        Assert.DoesNotContain(plan.Runs, r => r.Interval.Start == Utc(10, 28, 0));
        // Local midnights: 23:00Z in summer time, 00:00Z after; Sunday 25 October lasts 25 hours.
        Assert.Equal((Utc(10, 21, 23), Utc(10, 22, 23)), (plan.Runs[0].Interval.Start, plan.Runs[0].Interval.End));
        var sunday = plan.Runs.Single(r => r.Interval.Start == Utc(10, 24, 23));
        Assert.Equal(Utc(10, 26, 0), sunday.Interval.End);
        Assert.Equal(2, plan.MaxActiveRuns);
    }

    [Fact]
    public void Weeks_start_on_monday_and_months_on_the_first_in_the_jobs_zone()
    {
        var (weeks, _) = Plan(new BackfillRequest { Start = "2026-10-01", End = "2026-11-30", Batch = "week" }, Daily());
        Assert.All(weeks!.Runs, r => Assert.Equal(DayOfWeek.Monday, TimeZoneInfo.ConvertTime(r.Interval.Start, TimeZoneInfo.FindSystemTimeZoneById("Europe/London")).DayOfWeek));
        Assert.Equal(8, weeks.Runs.Count);
        var (months, _) = Plan(new BackfillRequest { Start = "2026-01-01", End = "2026-12-01", Batch = "month" }, Daily());
        Assert.Equal(11, months!.Runs.Count);
        Assert.Equal(Utc(3, 31, 23), months.Runs[3].Interval.Start);
    }

    [Theory]
    [InlineData("2026-10-30", "2026-10-22", null, "end", "must be after start")]
    [InlineData(null, "2026-10-22", null, "start", "is required")]
    [InlineData("2026-10-22", null, null, "end", "is required")]
    [InlineData("2016-01-01", "2026-11-01", null, "end", "at most 3660 days")]
    [InlineData("2026-11-01", "2027-01-01", null, "end", "in the future")]
    [InlineData("yesterday", "2026-11-01", null, "start", "neither an ISO 8601 instant")]
    [InlineData("2026-10-01", "2026-11-01", "hour", "batch", "not a batch")]
    public void Bad_ranges_and_batches_are_refused_naming_the_field(string? start, string? end, string? batch, string field, string message)
    {
        var (plan, errors) = Plan(new BackfillRequest { Start = start, End = end, Batch = batch }, Daily());
        Assert.Null(plan);
        Assert.Contains(message, string.Join(" ", errors.ToDictionary()[field]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_shorter_than_the_jobs_period_does_not_fit_and_occurrence_needs_a_cron()
    {
        var weekly = new ScheduleTiming { Kind = ScheduleKind.Cron, Cron = "0 0 6 * * MON", TimeZone = "UTC" };
        var errors = new ValidationErrors();
        Assert.Null(BackfillPlanner.Plan(new BackfillRequest { Start = "2026-10-01", End = "2026-11-01", Batch = "day" }, weekly, weekly.Occurrences(), Now, errors));
        Assert.Contains("at most every P7D", errors.ToDictionary()["batch"][0], StringComparison.Ordinal);

        var manual = new ScheduleTiming { Kind = ScheduleKind.Manual };
        errors = new ValidationErrors();
        Assert.Null(BackfillPlanner.Plan(new BackfillRequest { Start = "2026-10-01", End = "2026-11-01", Batch = "occurrence" }, manual, manual.Occurrences(), Now, errors));
        Assert.Contains("needs a cron timing", errors.ToDictionary()["batch"][0], StringComparison.Ordinal);
        // A manual job (and a workflow) is cut by calendar days in its zone (UTC), defaulting to day.
        errors = new ValidationErrors();
        Assert.Equal(31, BackfillPlanner.Plan(new BackfillRequest { Start = "2026-10-01", End = "2026-11-01" }, manual, manual.Occurrences(), Now, errors)!.Runs.Count);
        Assert.Equal(31, BackfillPlanner.Plan(new BackfillRequest { Start = "2026-10-01", End = "2026-11-01" }, null, null, Now, errors)!.Runs.Count);

        var oneShot = ScheduleTiming.ForRunAt(Utc(10, 1, 0));
        errors = new ValidationErrors();
        Assert.Null(BackfillPlanner.Plan(new BackfillRequest { Start = "2026-10-01", End = "2026-11-01", Batch = "day" }, oneShot, oneShot.Occurrences(), Now, errors));
        Assert.Contains("one-shot", errors.ToDictionary()["batch"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void More_runs_than_the_bound_are_refused_with_advice()
    {
        var everySecond = new ScheduleTiming { Kind = ScheduleKind.Cron, Cron = "* * * * * *", TimeZone = "UTC" };
        var errors = new ValidationErrors();
        Assert.Null(BackfillPlanner.Plan(new BackfillRequest { Start = "2026-10-01", End = "2026-10-02" }, everySecond, everySecond.Occurrences(), Now, errors));
        Assert.Contains($"more than {BackfillPlanner.MaxRuns} runs", errors.ToDictionary()["end"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void History_mode_names_the_latest_occurrence_at_or_before_the_date_with_its_interval()
    {
        var errors = new ValidationErrors();
        var occurrences = Daily().Occurrences(Calendar);
        var run = HistoryMode.Resolve(new RunNowRequest { LogicalDate = "2026-10-29T12:00:00Z" }, occurrences, true, Now, errors);
        Assert.Equal(Utc(10, 29, 6), run.LogicalDate);
        Assert.Equal(new DataInterval(Utc(10, 27, 6), Utc(10, 29, 6)), run.Interval);

        run = HistoryMode.Resolve(new RunNowRequest { IntervalStart = "2026-10-01T00:00:00Z", IntervalEnd = "2026-10-08T00:00:00Z" }, occurrences, true, Now, errors);
        Assert.Equal((Utc(10, 8, 0), new DataInterval(Utc(10, 1, 0), Utc(10, 8, 0))), (run.LogicalDate, run.Interval));
        Assert.True(errors.IsValid);

        HistoryMode.Resolve(new RunNowRequest { LogicalDate = "2027-01-01T00:00:00Z" }, occurrences, true, Now, errors);
        Assert.Contains("in the future", errors.ToDictionary()["logicalDate"][0], StringComparison.Ordinal);
        errors = new ValidationErrors();
        HistoryMode.Resolve(new RunNowRequest { IntervalStart = "2026-10-01T00:00:00Z" }, occurrences, true, Now, errors);
        Assert.Contains("is required with intervalStart", errors.ToDictionary()["intervalEnd"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_occurrence_before_follows_the_period_not_the_calendar_size()
    {
        var everySecond = new ScheduleTiming { Kind = ScheduleKind.Cron, Cron = "* * * * * *", TimeZone = "UTC" }.Occurrences();
        Assert.Equal(Utc(10, 1, 0).AddSeconds(-1), everySecond.Before(Utc(10, 1, 0)));
        var yearly = new ScheduleTiming { Kind = ScheduleKind.Cron, Cron = "0 0 0 1 1 *", TimeZone = "UTC" }.Occurrences();
        Assert.Equal(Utc(1, 1, 0), yearly.Before(Utc(10, 1, 0)));
        // Beyond the scan bound there is none: no interval rather than an endless search.
        var leapCentury = new ScheduleTiming { Kind = ScheduleKind.Cron, Cron = "0 0 0 29 2 *", TimeZone = "UTC" }.Occurrences();
        Assert.Null(leapCentury.Before(new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.Zero)));
        Assert.Null(ScheduleTiming.ForRunAt(Utc(10, 1, 0)).Occurrences().Before(Utc(10, 2, 0)));
    }
}
