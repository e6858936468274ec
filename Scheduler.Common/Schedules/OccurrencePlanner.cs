namespace Scheduler.Common.Schedules;

/// <summary>One execution to create for a due schedule.</summary>
/// <param name="ScheduledFor">The occurrence it fires for (for a catch-up, the first missed one).</param>
/// <param name="CatchUp">True when it stands for occurrences missed while nothing ran.</param>
/// <param name="Occurrences">How many occurrences it stands for (1, or more for a catch-up; capped).</param>
public sealed record PlannedFire(DateTimeOffset ScheduledFor, bool CatchUp, int Occurrences);

/// <summary>The executions to create now and the schedule's next fire time (null when it is done).</summary>
public sealed record OccurrencePlan(IReadOnlyList<PlannedFire> Fires, DateTimeOffset? NextFireAt);

/// <summary>Decides what a due schedule fires, including the misfire policy after downtime.</summary>
public static class OccurrencePlanner
{
    /// <summary>Counting missed occurrences stops here (a per-second cron down for a day has 86,400).</summary>
    public const int MaxCountedMisses = 10_000;

    /// <param name="timing">The schedule's timing.</param>
    /// <param name="due">Its <c>next_fire_at</c>.</param>
    /// <param name="now">Database time.</param>
    /// <param name="horizon">Now plus the lookahead: occurrences up to here are claimed now.</param>
    /// <param name="misfireThreshold">An occurrence older than this is a misfire: all missed occurrences fire once, together.</param>
    /// <param name="maxFires">Bound on executions created for one schedule in one claim.</param>
    public static OccurrencePlan Plan(ScheduleTiming timing, DateTimeOffset due, DateTimeOffset now, DateTimeOffset horizon,
        TimeSpan misfireThreshold, int maxFires)
    {
        if (!timing.IsRecurring)
        {
            // A one-shot fires late rather than never.
            return new OccurrencePlan([new PlannedFire(due, CatchUp: false, 1)], null);
        }

        var fires = new List<PlannedFire>();
        DateTimeOffset? next = due;
        if (due < now - misfireThreshold)
        {
            // Behind (executors were down): one catch-up fire for every occurrence up to now, then resume.
            var missed = 1;
            next = timing.NextAfter(due);
            while (next is { } n && n <= now && missed < MaxCountedMisses)
            {
                missed++;
                next = timing.NextAfter(n);
            }
            if (next is { } stillBehind && stillBehind <= now)
            {
                next = timing.NextAfter(now);
            }
            fires.Add(new PlannedFire(due, CatchUp: true, missed));
        }

        while (next is { } at && at <= horizon && fires.Count < maxFires)
        {
            fires.Add(new PlannedFire(at, CatchUp: false, 1));
            next = timing.NextAfter(at);
        }
        return new OccurrencePlan(fires, next);
    }
}
