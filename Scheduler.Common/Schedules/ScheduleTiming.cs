namespace Scheduler.Common.Schedules;

/// <summary>When a schedule fires: a validated cron, run-at or delay specification.</summary>
public sealed record ScheduleTiming
{
    public required ScheduleKind Kind { get; init; }

    /// <summary>The cron expression (cron schedules only).</summary>
    public string? Cron { get; init; }

    /// <summary>The IANA time zone the cron expression is read in (cron schedules only).</summary>
    public string? TimeZone { get; init; }

    /// <summary>The instant a one-shot fires: given (run-at) or computed at creation (delay).</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>The delay a delay schedule was created with.</summary>
    public TimeSpan? Delay { get; init; }

    public bool IsRecurring => Kind == ScheduleKind.Cron;

    public CronSchedule CronSchedule => Kind == ScheduleKind.Cron
        ? CronSchedule.Parse(Cron!, TimeZone ?? "UTC")
        : throw new InvalidOperationException($"a {Kind} schedule has no cron expression");

    public static ScheduleTiming ForCron(CronSchedule cron) =>
        new() { Kind = ScheduleKind.Cron, Cron = cron.Expression, TimeZone = cron.Zone.Id };

    public static ScheduleTiming ForRunAt(DateTimeOffset at) =>
        new() { Kind = ScheduleKind.RunAt, RunAt = at.ToUniversalTime() };

    public static ScheduleTiming ForDelay(TimeSpan delay, DateTimeOffset now) =>
        new() { Kind = ScheduleKind.Delay, Delay = delay, RunAt = (now + delay).ToUniversalTime() };

    /// <summary>The first time to fire for a schedule created or resumed at <paramref name="now"/>.</summary>
    public DateTimeOffset? FirstFireAt(DateTimeOffset now) => Kind switch
    {
        ScheduleKind.Cron => CronSchedule.NextAfter(now),
        _ => RunAt,
    };

    /// <summary>The occurrence after <paramref name="occurrence"/>; null when the schedule is done.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset occurrence) =>
        Kind == ScheduleKind.Cron ? CronSchedule.NextAfter(occurrence) : null;

    /// <summary>The next <paramref name="count"/> fire times after <paramref name="now"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Upcoming(DateTimeOffset now, int count)
    {
        var result = new List<DateTimeOffset>(Math.Min(count, 100));
        var next = FirstFireAt(now);
        while (next is { } at && result.Count < count)
        {
            result.Add(at);
            next = NextAfter(at);
        }
        return result;
    }
}
