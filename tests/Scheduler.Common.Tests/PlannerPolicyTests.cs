using Scheduler.Common.Outages;
using Scheduler.Common.Schedules;

namespace Scheduler.Common.Tests;

/// <summary>Catch-up policies, outages and jitter as the claim plans them.</summary>
public class PlannerPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(10);
    private static readonly PlannedSchedule Schedule = new(Guid.Parse("0193a000-0000-7000-8000-000000000001"), "default",
        new Dictionary<string, string> { ["team"] = "data" });

    private static ScheduleTiming EveryMinute(CatchUpPolicy policy = CatchUpPolicy.Latest, TimeSpan? window = null, TimeSpan? jitter = null) =>
        ScheduleTiming.ForCron(CronSchedule.Parse("0 * * * * *", "UTC")) with { CatchUp = policy, CatchUpWindow = window, Jitter = jitter };

    private static OccurrencePlan Plan(ScheduleTiming timing, DateTimeOffset due, DateTimeOffset now, params OutageWindow[] outages) =>
        OccurrencePlanner.Plan(Schedule, timing, timing.Occurrences(), due, now, now.AddSeconds(2), Threshold, 100, outages);

    [Fact]
    public void Catch_up_latest_fires_once_for_every_missed_occurrence()
    {
        var plan = Plan(EveryMinute(), T0, T0.AddMinutes(30).AddSeconds(1));
        var fire = Assert.Single(plan.Fires);
        Assert.Equal((PlannedStatus.Fire, true, 31, T0), (fire.Status, fire.CatchUp, fire.Occurrences, fire.ScheduledFor));
        Assert.Equal(T0.AddMinutes(31), plan.NextFireAt);
    }

    [Fact]
    public void Catch_up_none_fires_nothing_and_records_the_misses_as_skipped()
    {
        var plan = Plan(EveryMinute(CatchUpPolicy.None), T0, T0.AddMinutes(30).AddSeconds(1));
        var skipped = Assert.Single(plan.Fires);
        Assert.Equal((PlannedStatus.Skipped, 31), (skipped.Status, skipped.Occurrences));
        Assert.Contains("catch-up policy: none", skipped.Reason, StringComparison.Ordinal);
        Assert.Equal(T0.AddMinutes(31), plan.NextFireAt);
    }

    [Fact]
    public void Catch_up_all_fires_each_miss_inside_the_window_and_records_older_ones_as_skipped()
    {
        var now = T0.AddMinutes(30).AddSeconds(1);
        var plan = Plan(EveryMinute(CatchUpPolicy.All, TimeSpan.FromMinutes(5)), T0, now);
        var skipped = plan.Fires[0];
        Assert.Equal((PlannedStatus.Skipped, 26), (skipped.Status, skipped.Occurrences)); // 12:00 … 12:25
        Assert.Equal(Enumerable.Range(26, 5).Select(m => T0.AddMinutes(m)), plan.Fires.Skip(1).Select(f => f.ScheduledFor)); // 12:26 … 12:30
        Assert.All(plan.Fires.Skip(1).SkipLast(1), f => Assert.Equal((PlannedStatus.Fire, true), (f.Status, f.CatchUp)));
        Assert.Equal((PlannedStatus.Fire, false), (plan.Fires[^1].Status, plan.Fires[^1].CatchUp)); // 12:30 is only a second late
    }

    [Fact]
    public void A_skip_outage_records_each_occurrence_inside_it_with_its_name()
    {
        var outage = new OutageWindow(Guid.NewGuid(), "default", "db-upgrade", T0, T0.AddMinutes(10), OutagePolicy.Skip, new Dictionary<string, string>());
        var plan = Plan(EveryMinute(), T0, T0);
        Assert.Equal(PlannedStatus.Fire, Assert.Single(plan.Fires).Status);
        plan = Plan(EveryMinute(), T0, T0, outage);
        var skipped = Assert.Single(plan.Fires);
        Assert.Equal((PlannedStatus.Skipped, outage.Id), (skipped.Status, skipped.OutageId));
        Assert.Equal("skipped by outage 'db-upgrade'", skipped.Reason);
        Assert.Equal(T0.AddMinutes(1), plan.NextFireAt);
    }

    [Fact]
    public void A_defer_outage_stands_one_fire_at_its_end_for_the_occurrences_inside_it()
    {
        var outage = new OutageWindow(Guid.NewGuid(), "default", "freeze", T0, T0.AddMinutes(10).AddSeconds(30), OutagePolicy.Defer,
            new Dictionary<string, string> { ["team"] = "data" });
        var plan = Plan(EveryMinute(), T0, T0, outage);
        var deferred = Assert.Single(plan.Fires);
        Assert.Equal((PlannedStatus.Deferred, T0, 11, outage.End), (deferred.Status, deferred.ScheduledFor, deferred.Occurrences, deferred.Due));
        Assert.Equal(T0.AddMinutes(11), plan.NextFireAt); // the first occurrence after the window
    }

    [Fact]
    public void An_outage_for_other_labels_or_another_tenant_does_not_apply()
    {
        var otherTeam = new OutageWindow(Guid.NewGuid(), "default", "x", T0, T0.AddHours(1), OutagePolicy.Skip, new Dictionary<string, string> { ["team"] = "web" });
        var otherTenant = new OutageWindow(Guid.NewGuid(), "acme", "y", T0, T0.AddHours(1), OutagePolicy.Skip, new Dictionary<string, string>());
        Assert.Equal(PlannedStatus.Fire, Assert.Single(Plan(EveryMinute(), T0, T0, otherTeam, otherTenant).Fires).Status);
    }

    [Fact]
    public void Jitter_is_within_bounds_stable_and_spreads_occurrences()
    {
        var jitter = TimeSpan.FromSeconds(30);
        var delays = Enumerable.Range(0, 1_000).Select(i => Jitter.For(Guid.NewGuid(), T0, jitter)).ToList();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, jitter - TimeSpan.FromMilliseconds(1)));
        Assert.True(delays.Distinct().Count() > 900, "a thousand schedules at one instant spread over the window");
        Assert.True(delays.Count(d => d < jitter / 2) is > 400 and < 600, "roughly uniform");
        Assert.Equal(Jitter.For(Schedule.Id, T0, jitter), Jitter.For(Schedule.Id, T0, jitter));

        var fire = Assert.Single(Plan(EveryMinute(jitter: jitter), T0, T0).Fires);
        Assert.Equal(T0 + Jitter.For(Schedule.Id, T0, jitter), fire.Due);
        Assert.True(fire.Due >= fire.ScheduledFor);
    }
}
