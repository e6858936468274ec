namespace Scheduler.Storage.Backfills;

/// <summary>A row of <c>backfills</c>, with its runs counted by state when read for the API.</summary>
public sealed class BackfillRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public Guid? ScheduleId { get; init; }
    public Guid? WorkflowId { get; init; }
    public string JobName { get; init; } = "";
    public DateTimeOffset RangeStart { get; init; }
    public DateTimeOffset RangeEnd { get; init; }
    public string Batch { get; init; } = "";
    public int MaxActiveRuns { get; init; }
    public string Parameters { get; init; } = "{}";
    public bool Rerun { get; init; }
    public string Status { get; init; } = "";
    public int Total { get; init; }
    public int Covered { get; init; }
    public int Started { get; init; }
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Runs started and not yet ended (filled by reads that count).</summary>
    public int Active { get; set; }

    /// <summary>Runs that ended well (succeeded).</summary>
    public int Succeeded { get; set; }

    /// <summary>Runs that ended otherwise (dead, failed, cancelled).</summary>
    public int Failed { get; set; }
}

/// <summary>One run of a backfill, with the state of its execution or workflow run once started.</summary>
public sealed class BackfillRunRecord
{
    public int Seq { get; init; }
    public DateTimeOffset LogicalDate { get; init; }
    public DateTimeOffset IntervalStart { get; init; }
    public DateTimeOffset IntervalEnd { get; init; }
    public Guid? ExecutionId { get; init; }
    public Guid? RunId { get; init; }

    /// <summary><c>waiting</c> until started; then its execution's or run's status.</summary>
    public string Status { get; init; } = "";
}
