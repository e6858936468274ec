namespace Scheduler.Storage.Schedules;

/// <summary>How a change to a schedule ended.</summary>
public enum ScheduleChangeStatus
{
    Done,
    NotFound,
    /// <summary>The caller's <c>If-Match</c> version is not the current one (a lost update was avoided).</summary>
    VersionMismatch,
    NameTaken,
    /// <summary>Its state does not allow the change (a resume of a schedule that is not paused, …): <see cref="ScheduleChange.Refusal"/> says why.</summary>
    WrongState,
}

/// <param name="Refusal">For <see cref="ScheduleChangeStatus.WrongState"/>: why, in a sentence for the caller.</param>
public sealed record ScheduleChange(ScheduleChangeStatus Status, ScheduleRecord? Schedule = null, string? Refusal = null);
