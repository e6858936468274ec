namespace Scheduler.Testing;

/// <summary>An <c>executions</c> row as tests read it back.</summary>
public sealed class ExecutionRow
{
    public Guid Id { get; init; }
    public Guid ScheduleId { get; init; }
    public DateTimeOffset ScheduledFor { get; init; }
    public string Origin { get; init; } = "";
    public int Occurrences { get; init; }
    public string Status { get; init; } = "";
    public int Attempt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? LeaseOwner { get; init; }
    public string? LastError { get; init; }
    public string? EndReason { get; init; }
    public int? LastStatusCode { get; init; }
}
