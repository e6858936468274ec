namespace Scheduler.Storage.Executions;

/// <summary>How one delivery attempt ended.</summary>
public enum AttemptResult
{
    Succeeded,
    Failed,
    TimedOut,
}

/// <summary>One attempt's outcome and where it leaves its execution.</summary>
/// <param name="NextAttemptAt">When to try again; null when the execution is finished (succeeded or dead).</param>
/// <param name="Dead">True when no further attempt will be made.</param>
public sealed record AttemptOutcome(
    Guid ExecutionId,
    int Attempt,
    AttemptResult Result,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    int? StatusCode,
    string? Error,
    DateTimeOffset? NextAttemptAt,
    bool Dead)
{
    /// <summary>The execution's schedule tracks results (its outcome may race a worker's report).</summary>
    public bool TracksResult { get; init; }

    /// <summary>The execution is a workflow step (its run moves on if this outcome ends it).</summary>
    public bool IsWorkflowStep { get; init; }

    /// <summary>The execution is a backfill's run (its backfill starts the next run when this one ends).</summary>
    public bool IsBackfillRun { get; init; }

    /// <summary>
    /// This outcome may end something that moves on: a workflow step (a dead letter, or a failure of a step asked to cancel; a
    /// delivery never ends one) or a backfill's run (any outcome may).
    /// </summary>
    internal bool MayMoveOn => (IsWorkflowStep && Result != AttemptResult.Succeeded) || IsBackfillRun;

    internal string Status => Result == AttemptResult.Succeeded ? "succeeded" : Dead ? "dead" : "pending";

    internal string OutcomeName => Result switch
    {
        AttemptResult.Succeeded => "succeeded",
        AttemptResult.TimedOut => "timeout",
        _ => "failed",
    };
}
