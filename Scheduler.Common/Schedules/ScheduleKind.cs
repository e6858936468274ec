namespace Scheduler.Common.Schedules;

/// <summary>How a schedule decides when it fires.</summary>
public enum ScheduleKind
{
    /// <summary>Recurring, by a cron expression in an IANA time zone.</summary>
    Cron,

    /// <summary>Once, at an absolute instant.</summary>
    RunAt,

    /// <summary>Once, an amount of time after it was created.</summary>
    Delay,

    /// <summary>No timer: it fires only when triggered (by hand, a backfill or a workflow).</summary>
    Manual,
}
