using Scheduler.Common.Schedules;

namespace Scheduler.Common.Tests;

public class OccurrencePlannerTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ScheduleTiming EveryTwoSeconds = ScheduleTiming.ForCron(CronSchedule.Parse("*/2 * * * * *", "UTC"));
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(10);

    private static OccurrencePlan Plan(ScheduleTiming timing, DateTimeOffset due, DateTimeOffset now, DateTimeOffset horizon, int maxFires) =>
        OccurrencePlanner.Plan(new PlannedSchedule(Guid.NewGuid(), "default", new Dictionary<string, string>()), timing, timing.Occurrences(),
            due, now, horizon, Threshold, maxFires, []);

    [Fact]
    public void On_time_claims_every_occurrence_up_to_the_horizon()
    {
        var plan = Plan(EveryTwoSeconds, T0, T0, T0.AddSeconds(5), 100);
        Assert.Equal([T0, T0.AddSeconds(2), T0.AddSeconds(4)], plan.Fires.Select(f => f.ScheduledFor));
        Assert.All(plan.Fires, f => Assert.False(f.CatchUp));
        Assert.Equal(T0.AddSeconds(6), plan.NextFireAt);
    }

    [Fact]
    public void Slightly_late_fires_each_occurrence()
    {
        var now = T0.AddSeconds(5);
        var plan = Plan(EveryTwoSeconds, T0, now, now, 100);
        Assert.Equal([T0, T0.AddSeconds(2), T0.AddSeconds(4)], plan.Fires.Select(f => f.ScheduledFor));
    }

    [Fact]
    public void After_downtime_fires_once_for_all_missed_occurrences_then_resumes()
    {
        var now = T0.AddSeconds(61);
        var plan = Plan(EveryTwoSeconds, T0, now, now, 100);
        var fire = Assert.Single(plan.Fires);
        Assert.True(fire.CatchUp);
        Assert.Equal(T0, fire.ScheduledFor);
        Assert.Equal(31, fire.Occurrences); // 12:00:00, :02, … 12:01:00
        Assert.Equal(T0.AddSeconds(62), plan.NextFireAt);
    }

    [Fact]
    public void One_shot_fires_late_rather_than_never()
    {
        var timing = ScheduleTiming.ForRunAt(T0);
        var plan = Plan(timing, T0, T0.AddDays(3), T0.AddDays(3), 100);
        var fire = Assert.Single(plan.Fires);
        Assert.Equal(T0, fire.ScheduledFor);
        Assert.Null(plan.NextFireAt);
    }

    [Fact]
    public void Fires_per_claim_are_bounded()
    {
        var plan = Plan(EveryTwoSeconds, T0, T0, T0.AddMinutes(10), 5);
        Assert.Equal(5, plan.Fires.Count);
        Assert.Equal(T0.AddSeconds(10), plan.NextFireAt);
    }
}
