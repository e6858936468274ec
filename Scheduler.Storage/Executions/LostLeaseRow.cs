using Scheduler.Common.Executions;

namespace Scheduler.Storage.Executions;

/// <summary>A delivery whose lease expired, as <see cref="ExecutionSql.LockExpiredLeases"/> locks it.</summary>
internal sealed class LostLeaseRow
{
    public Guid Id { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public string LeaseOwner { get; init; } = "";
    public DateTimeOffset LeasedUntil { get; init; }
    public TimeSpan Timeout { get; init; }
    public bool CancelRequested { get; init; }
    public int LostBefore { get; init; }

    public LostLease ToLease() => new(Id, Attempt, MaxAttempts, LostBefore, CancelRequested);
}
