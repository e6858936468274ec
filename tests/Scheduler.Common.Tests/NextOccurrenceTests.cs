using Scheduler.Common.Schedules;

namespace Scheduler.Common.Tests;

public class NextOccurrenceTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static CronSchedule Cron(string expression, string zone = "UTC") => CronSchedule.Parse(expression, zone);

    [Fact]
    public void Six_field_cron_fires_on_seconds()
    {
        var cron = Cron("*/2 * * * * *");
        Assert.True(cron.HasSeconds);
        Assert.Equal(Utc("2030-01-01T10:00:02Z"), cron.NextAfter(Utc("2030-01-01T10:00:00Z")));
        Assert.Equal(Utc("2030-01-01T10:00:02Z"), cron.NextAfter(Utc("2030-01-01T10:00:00.5Z")));
        Assert.Equal(Utc("2030-01-01T10:00:04Z"), cron.NextAfter(Utc("2030-01-01T10:00:02Z")));
    }

    [Fact]
    public void Five_field_cron_fires_on_minutes()
    {
        var cron = Cron("*/15 * * * *");
        Assert.False(cron.HasSeconds);
        Assert.Equal(Utc("2030-01-01T10:15:00Z"), cron.NextAfter(Utc("2030-01-01T10:00:00Z")));
        Assert.Equal(Utc("2030-01-01T10:15:00Z"), cron.NextAfter(Utc("2030-01-01T10:14:59.999Z")));
    }

    [Fact]
    public void Cron_is_read_in_its_time_zone()
    {
        // 17:00 in London is 17:00 UTC in winter and 16:00 UTC in summer.
        var cron = Cron("0 0 17 * * MON-FRI", "Europe/London");
        Assert.Equal(Utc("2030-01-07T17:00:00Z"), cron.NextAfter(Utc("2030-01-05T12:00:00Z"))); // Saturday → Monday
        Assert.Equal(Utc("2030-07-01T16:00:00Z"), cron.NextAfter(Utc("2030-07-01T12:00:00Z")));
        Assert.Equal(Utc("2030-01-07T08:00:00Z"), Cron("0 17 * * *", "Asia/Tokyo").NextAfter(Utc("2030-01-07T00:00:00Z")));
    }

    [Fact]
    public void Spring_forward_runs_a_skipped_local_time_once_at_the_transition()
    {
        // 2030-03-31 in London: 01:00 GMT jumps to 02:00 BST, so 01:30 local does not exist.
        // Cronos fires such an occurrence at the transition instant (01:00 UTC), once.
        var cron = Cron("30 1 * * *", "Europe/London");
        var first = cron.NextAfter(Utc("2030-03-30T12:00:00Z"));
        Assert.Equal(Utc("2030-03-31T01:00:00Z"), first);
        Assert.Equal(Utc("2030-04-01T00:30:00Z"), cron.NextAfter(first!.Value));
    }

    [Fact]
    public void Fall_back_runs_an_ambiguous_local_time_once()
    {
        // 2030-10-27 in London: 02:00 BST falls back to 01:00 GMT, so 01:30 local happens twice.
        var cron = Cron("30 1 * * *", "Europe/London");
        var first = cron.NextAfter(Utc("2030-10-26T12:00:00Z"));
        Assert.Equal(Utc("2030-10-27T00:30:00Z"), first); // 01:30 BST
        Assert.Equal(Utc("2030-10-28T01:30:00Z"), cron.NextAfter(first!.Value)); // not again at 01:30 GMT
    }

    [Fact]
    public void Interval_crons_keep_their_rhythm_across_fall_back()
    {
        // Every 30 minutes keeps firing through the repeated hour (Cronos fires both instances of interval jobs).
        var cron = Cron("*/30 * * * *", "Europe/London");
        var times = new List<DateTimeOffset>();
        var at = Utc("2030-10-27T00:00:00Z");
        for (var i = 0; i < 4; i++)
        {
            at = cron.NextAfter(at)!.Value;
            times.Add(at);
        }
        Assert.Equal([Utc("2030-10-27T00:30:00Z"), Utc("2030-10-27T01:00:00Z"), Utc("2030-10-27T01:30:00Z"), Utc("2030-10-27T02:00:00Z")], times);
    }

    [Fact]
    public void RunAt_fires_once_at_its_instant()
    {
        var timing = ScheduleTiming.ForRunAt(Utc("2030-01-01T10:00:00+02:00"));
        Assert.Equal(Utc("2030-01-01T08:00:00Z"), timing.Occurrences().FirstFireAt(Utc("2029-12-31T00:00:00Z")));
        Assert.Null(timing.Occurrences().NextAfter(Utc("2030-01-01T08:00:00Z")));
        Assert.Equal(TimeSpan.Zero, timing.RunAt!.Value.Offset);
    }

    [Fact]
    public void Delay_fires_once_that_long_after_creation()
    {
        var now = Utc("2030-01-01T10:00:00Z");
        var timing = ScheduleTiming.ForDelay(TimeSpan.FromSeconds(90), now);
        Assert.Equal(Utc("2030-01-01T10:01:30Z"), timing.Occurrences().FirstFireAt(now));
        Assert.Null(timing.Occurrences().NextAfter(Utc("2030-01-01T10:01:30Z")));
    }

    [Fact]
    public void Upcoming_lists_the_next_fire_times()
    {
        var timing = ScheduleTiming.ForCron(Cron("0 0 9 * * *"));
        var next = timing.Occurrences().Upcoming(Utc("2030-01-01T12:00:00Z"), 3);
        Assert.Equal([Utc("2030-01-02T09:00:00Z"), Utc("2030-01-03T09:00:00Z"), Utc("2030-01-04T09:00:00Z")], next);
    }
}
