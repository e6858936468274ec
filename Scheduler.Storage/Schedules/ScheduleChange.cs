namespace Scheduler.Storage.Schedules;

/// <summary>How a change to a schedule ended.</summary>
public enum ScheduleChangeStatus
{
    Done,
    NotFound,
    /// <summary>The caller's <c>If-Match</c> version is not the current one (a lost update was avoided).</summary>
    VersionMismatch,
    NameTaken,
}

public sealed record ScheduleChange(ScheduleChangeStatus Status, ScheduleRecord? Schedule = null);
