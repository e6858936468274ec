namespace Scheduler.Storage.Executions;

/// <summary>A row of <c>executions</c>, as history.</summary>
public sealed class ExecutionRecord
{
    public Guid Id { get; init; }
    /// <summary>Null for a workflow step (see <see cref="WorkflowRunId"/>).</summary>
    public Guid? ScheduleId { get; init; }

    /// <summary>For a workflow step: its run, its step id and the run attempt it belongs to.</summary>
    public Guid? WorkflowRunId { get; init; }

    public string? StepId { get; init; }
    public int? RunAttempt { get; init; }
    public string ScheduleName { get; init; } = "";
    public DateTimeOffset ScheduledFor { get; init; }
    public string Origin { get; init; } = "";
    public int Occurrences { get; init; }
    public string Status { get; init; } = "";
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public int? LastStatusCode { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FirstAttemptAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Why it was skipped or deferred (an outage's name, the catch-up policy).</summary>
    public string? Note { get; init; }
    public Guid? OutageId { get; init; }

    // Result tracking (null when the schedule does not track results).
    public string? CompletionJson { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public DateTimeOffset? RunDeadline { get; init; }
    public DateTimeOffset? HeartbeatAt { get; init; }
    public double? Progress { get; init; }
    public string? Message { get; init; }
    public string? OutputJson { get; init; }
    public string? CodeVersion { get; init; }
    public string? LogsUrl { get; init; }
    public DateTimeOffset? CancelRequestedAt { get; init; }

    /// <summary>History mode or a backfill: the date the run is for (null: its scheduled time).</summary>
    public DateTimeOffset? LogicalDate { get; init; }
    public DateTimeOffset? IntervalStart { get; init; }
    public DateTimeOffset? IntervalEnd { get; init; }
    public string? ParametersJson { get; init; }
    public Guid? BackfillId { get; init; }

    /// <summary>Why a dead or cancelled execution ended: delivery-failed, worker-failed, timed-out, worker-silent.</summary>
    public string? EndReason { get; init; }
}

/// <summary>A row of <c>execution_attempts</c>.</summary>
public sealed class AttemptRecord
{
    public int Attempt { get; init; }
    public string ExecutorId { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public double DurationMs { get; init; }
    public string Outcome { get; init; } = "";
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public string? RunStatus { get; init; }
    public DateTimeOffset? RunFinishedAt { get; init; }
    public double? RunDurationMs { get; init; }
    public string? RunError { get; init; }
    public string? CodeVersion { get; init; }
    public string? LogsUrl { get; init; }
    public string? LateReport { get; init; }
}
