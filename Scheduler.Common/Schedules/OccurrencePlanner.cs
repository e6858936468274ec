using Scheduler.Common.Outages;

namespace Scheduler.Common.Schedules;

/// <summary>What a planned execution is.</summary>
public enum PlannedStatus
{
    /// <summary>Delivered at <see cref="PlannedFire.DueAt"/>.</summary>
    Fire,

    /// <summary>Recorded, not delivered: an outage skipped it, or the catch-up policy dropped it.</summary>
    Skipped,

    /// <summary>Delivered when an outage ends (<see cref="PlannedFire.DueAt"/>), standing for the occurrences inside it.</summary>
    Deferred,
}

/// <summary>One execution to create for a due schedule.</summary>
/// <param name="ScheduledFor">The occurrence it is for (its identity; for a catch-up or deferral, the first it stands for).</param>
/// <param name="CatchUp">True when it stands for occurrences missed while nothing ran.</param>
/// <param name="Occurrences">How many occurrences it stands for (1, or more for a catch-up or a deferral; capped).</param>
/// <param name="Status">Fire, skipped or deferred.</param>
/// <param name="DueAt">When to deliver it: the occurrence plus its jitter, or the end of the outage it was deferred by.</param>
/// <param name="Reason">Why it was skipped or deferred.</param>
/// <param name="OutageId">The outage that skipped or deferred it.</param>
public sealed record PlannedFire(DateTimeOffset ScheduledFor, bool CatchUp, int Occurrences, PlannedStatus Status = PlannedStatus.Fire,
    DateTimeOffset? DueAt = null, string? Reason = null, Guid? OutageId = null)
{
    public DateTimeOffset Due => DueAt ?? ScheduledFor;
}

/// <summary>The executions to create now and the schedule's next fire time (null when it is done).</summary>
public sealed record OccurrencePlan(IReadOnlyList<PlannedFire> Fires, DateTimeOffset? NextFireAt);

/// <summary>Decides what a due schedule fires: its occurrences up to the horizon, the catch-up policy after downtime, outages and jitter.</summary>
public static class OccurrencePlanner
{
    /// <summary>Counting missed or deferred occurrences stops here (a per-second cron down for a day has 86,400).</summary>
    public const int MaxCountedMisses = 10_000;

    /// <param name="schedule">The schedule: its id (for jitter), tenant and labels (for outages).</param>
    /// <param name="timing">Its timing.</param>
    /// <param name="occurrences">Its occurrence maths (with its calendar).</param>
    /// <param name="due">Its <c>next_fire_at</c>.</param>
    /// <param name="now">Database time.</param>
    /// <param name="horizon">Now plus the lookahead: occurrences up to here are claimed now.</param>
    /// <param name="misfireThreshold">An occurrence older than this was missed: the catch-up policy decides.</param>
    /// <param name="maxFires">Bound on executions created for one schedule in one claim.</param>
    /// <param name="outages">Outages that may cover [due, horizon] (the planner checks which apply).</param>
    public static OccurrencePlan Plan(PlannedSchedule schedule, ScheduleTiming timing, Occurrences occurrences, DateTimeOffset due, DateTimeOffset now,
        DateTimeOffset horizon, TimeSpan misfireThreshold, int maxFires, IReadOnlyList<OutageWindow> outages)
    {
        var fires = new List<PlannedFire>();
        if (!timing.IsRecurring)
        {
            // A one-shot fires late rather than never.
            fires.Add(Classify(schedule, timing, occurrences, due, catchUp: false, 1, outages, out _));
            return new OccurrencePlan(fires, null);
        }

        DateTimeOffset? next = due;
        if (due < now - misfireThreshold)
        {
            next = CatchUp(schedule, timing, occurrences, due, now, outages, fires);
        }
        while (next is { } at && at <= horizon && fires.Count < maxFires)
        {
            var fire = Classify(schedule, timing, occurrences, at, catchUp: at < now - misfireThreshold, 1, outages, out var resumeAt);
            fires.Add(fire);
            next = resumeAt is { } end ? occurrences.AtOrAfter(end) : occurrences.NextAfter(at);
        }
        return new OccurrencePlan(fires, next);
    }

    /// <summary>Applies the catch-up policy to the occurrences missed from <paramref name="due"/> to now; returns where normal firing resumes.</summary>
    private static DateTimeOffset? CatchUp(PlannedSchedule schedule, ScheduleTiming timing, Occurrences occurrences, DateTimeOffset due, DateTimeOffset now,
        IReadOnlyList<OutageWindow> outages, List<PlannedFire> fires)
    {
        switch (timing.CatchUp)
        {
            case CatchUpPolicy.All:
                // Older than the window: recorded as skipped, together. Within it: each fires in the loop, in order.
                var cutoff = now - (timing.CatchUpWindow ?? TimeSpan.Zero);
                if (due >= cutoff)
                {
                    return due;
                }
                var (old, resume) = Count(occurrences, due, cutoff);
                fires.Add(new PlannedFire(due, CatchUp: true, old, PlannedStatus.Skipped,
                    Reason: $"missed while no executor ran, before the catch-up window of {Time.Durations.Format(timing.CatchUpWindow ?? TimeSpan.Zero)}"));
                return resume;
            case CatchUpPolicy.None:
                var (missed, after) = Count(occurrences, due, now);
                fires.Add(new PlannedFire(due, CatchUp: true, missed, PlannedStatus.Skipped, Reason: "missed while no executor ran (catch-up policy: none)"));
                return after;
            default:
                // One execution, fired now, stands for all of them; then the schedule resumes from now.
                var (count, resumeAt) = Count(occurrences, due, now);
                var fire = Classify(schedule, timing, occurrences, due, catchUp: true, count, outages, out var outageEnd, at: now);
                fires.Add(fire);
                return outageEnd is { } end && end > now ? occurrences.AtOrAfter(end) : resumeAt;
        }
    }

    /// <summary>How many occurrences lie in [from, until), and the first at or after <paramref name="until"/> (bounded by <see cref="MaxCountedMisses"/>).</summary>
    private static (int Count, DateTimeOffset? Next) Count(Occurrences occurrences, DateTimeOffset from, DateTimeOffset until)
    {
        var count = 1;
        var next = occurrences.NextAfter(from);
        while (next is { } n && n < until && count < MaxCountedMisses)
        {
            count++;
            next = occurrences.NextAfter(n);
        }
        if (next is { } behind && behind < until)
        {
            next = occurrences.AtOrAfter(until);
        }
        return (count, next);
    }

    /// <summary>
    /// An occurrence as an outage leaves it: skipped (any covering outage that skips), deferred to the latest end of
    /// the covering outages that defer (<paramref name="resumeAt"/> is that end), or fired after its jitter.
    /// </summary>
    private static PlannedFire Classify(PlannedSchedule schedule, ScheduleTiming timing, Occurrences occurrences, DateTimeOffset occurrence, bool catchUp,
        int count, IReadOnlyList<OutageWindow> outages, out DateTimeOffset? resumeAt, DateTimeOffset? at = null)
    {
        resumeAt = null;
        var instant = at ?? occurrence;
        var covering = outages.Where(o => o.Covers(instant) && o.AppliesTo(schedule.Tenant, schedule.Labels)).ToList();
        if (covering.FirstOrDefault(o => o.Policy == OutagePolicy.Skip) is { } skip)
        {
            return new PlannedFire(occurrence, catchUp, count, PlannedStatus.Skipped, Reason: skip.SkipNote, OutageId: skip.Id);
        }
        if (covering.OrderByDescending(o => o.End).FirstOrDefault() is { } defer)
        {
            resumeAt = defer.End;
            var deferred = timing.IsRecurring ? count - 1 + Count(occurrences, occurrence, defer.End).Count : count;
            return new PlannedFire(occurrence, catchUp, Math.Min(deferred, MaxCountedMisses), PlannedStatus.Deferred, defer.End,
                defer.DeferNote, defer.Id);
        }
        return new PlannedFire(occurrence, catchUp, count, DueAt: instant + Jitter.For(schedule.Id, occurrence, timing.Jitter));
    }
}

/// <summary>What the planner needs of a schedule besides its timing.</summary>
public sealed record PlannedSchedule(Guid Id, string Tenant, IReadOnlyDictionary<string, string> Labels);
