using Scheduler.Common.Calendars;

namespace Scheduler.Common.Schedules;

/// <summary>
/// When a schedule fires: a validated base timing (cron, run-at, delay, or none — manual), and what shapes it: a
/// business-day calendar rule, a validity window, jitter and the catch-up policy (Temporal's <c>ScheduleSpec</c>
/// as one value). The occurrence maths is <see cref="Occurrences"/>, given the calendar the rule names.
/// </summary>
public sealed record ScheduleTiming
{
    public required ScheduleKind Kind { get; init; }

    /// <summary>The cron expression (cron schedules only).</summary>
    public string? Cron { get; init; }

    /// <summary>The IANA time zone the cron expression and the calendar are read in (cron schedules only).</summary>
    public string? TimeZone { get; init; }

    /// <summary>The instant a one-shot fires: given (run-at) or computed at creation (delay).</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>The delay a delay schedule was created with.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Cron only: the business-day calendar and what happens to occurrences on other days.</summary>
    public BusinessDayRule? BusinessDays { get; init; }

    /// <summary>No occurrence before this instant.</summary>
    public DateTimeOffset? StartAt { get; init; }

    /// <summary>No occurrence after this instant; the schedule completes once past it.</summary>
    public DateTimeOffset? EndAt { get; init; }

    /// <summary>Each occurrence fires a stable pseudo-random delay in [0, jitter) after its time (see <see cref="Jitter"/>).</summary>
    public TimeSpan? Jitter { get; init; }

    /// <summary>What happens to occurrences missed while nothing ran.</summary>
    public CatchUpPolicy CatchUp { get; init; } = CatchUpPolicy.Latest;

    /// <summary>With <see cref="CatchUpPolicy.All"/>: how far back missed occurrences still fire one by one.</summary>
    public TimeSpan? CatchUpWindow { get; init; }

    public bool IsRecurring => Kind == ScheduleKind.Cron;

    public CronSchedule CronSchedule => Kind == ScheduleKind.Cron
        ? CronSchedule.Parse(Cron!, TimeZone ?? "UTC")
        : throw new InvalidOperationException($"a {Kind} schedule has no cron expression");

    /// <summary>True when <see cref="Occurrences"/> needs a calendar.</summary>
    public bool NeedsCalendar => BusinessDays is not null;

    /// <summary>The occurrence maths for this timing; <paramref name="calendar"/> is the one <see cref="BusinessDays"/> names.</summary>
    public Occurrences Occurrences(BusinessCalendar? calendar = null) => new(this, calendar);

    /// <summary>The occurrence maths, or null when the timing follows a calendar that is not given (it was deleted meanwhile).</summary>
    public Occurrences? OccurrencesIfCalendar(BusinessCalendar? calendar) => NeedsCalendar && calendar is null ? null : new(this, calendar);

    public static ScheduleTiming ForCron(CronSchedule cron) =>
        new() { Kind = ScheduleKind.Cron, Cron = cron.Expression, TimeZone = cron.Zone.Id };

    public static ScheduleTiming ForRunAt(DateTimeOffset at) =>
        new() { Kind = ScheduleKind.RunAt, RunAt = at.ToUniversalTime() };

    public static ScheduleTiming ForDelay(TimeSpan delay, DateTimeOffset now) =>
        new() { Kind = ScheduleKind.Delay, Delay = delay, RunAt = (now + delay).ToUniversalTime() };

    public static ScheduleTiming Manual { get; } = new() { Kind = ScheduleKind.Manual };
}

/// <summary>A schedule's business-day rule: which calendar, and what happens off its business days.</summary>
/// <param name="CalendarId">The calendar's id (it may be renamed; the rule follows the id).</param>
/// <param name="CalendarName">Its name when the schedule was written, for display.</param>
/// <param name="NonBusinessDay">What an occurrence on a weekend day or holiday does.</param>
/// <param name="DaysOfMonth">Only these business days of each month (1 = first, -1 = last); empty: every business day.</param>
public sealed record BusinessDayRule(Guid CalendarId, string CalendarName, NonBusinessDay NonBusinessDay, IReadOnlyList<int> DaysOfMonth);

/// <summary>What an occurrence that falls on a non-business day does.</summary>
public enum NonBusinessDay
{
    /// <summary>It does not fire.</summary>
    Skip,

    /// <summary>It fires at the same local time on the business day before.</summary>
    Previous,

    /// <summary>It fires at the same local time on the business day after.</summary>
    Next,
}

/// <summary>What happens to occurrences missed while no executor ran (Quartz's misfire instructions, Temporal's catch-up window).</summary>
public enum CatchUpPolicy
{
    /// <summary>One execution, fired at once, stands for every missed occurrence (Quartz: fire once now). The default.</summary>
    Latest,

    /// <summary>None fires; one skipped execution records how many were missed (Quartz: do nothing).</summary>
    None,

    /// <summary>Each missed occurrence within the catch-up window fires, in order; older ones are recorded as skipped (Temporal's catch-up window).</summary>
    All,
}
