using Scheduler.Common.Retry;
using Scheduler.Common.Time;

namespace Scheduler.Common.Results;

/// <summary>A run whose deadline has passed, or whose worker reported failure, as the executors' claim finds it.</summary>
public sealed record UnfinishedRun(Guid Id, string Status, int Attempt, int MaxAttempts, DateTimeOffset RunDeadline, DateTimeOffset? DeliveredAt,
    Completion Completion);

/// <summary>Where such a run goes: retried (<c>pending</c> at <see cref="NextAttemptAt"/>), <c>dead</c>, or <c>cancelled</c>.</summary>
/// <param name="RunStatus">The attempt's run status to record (null keeps what the worker reported: <c>failed</c>).</param>
public sealed record RunEnd(Guid Id, string Status, DateTimeOffset? NextAttemptAt, string? EndReason, string? RunStatus, string? Error);

/// <summary>
/// The one place that decides what happens to a run that did not succeed: a reported failure, a run past its timeout, a
/// worker gone silent. Like a failed delivery, it is retried as a new attempt under the retry policy, then dead-lettered;
/// a run asked to cancel ends as cancelled instead.
/// </summary>
public static class RunEnding
{
    public static RunEnd Decide(UnfinishedRun run, DateTimeOffset now, RetryPolicy retry, double random)
    {
        string reason;
        string? runStatus;
        string? error;
        if (run.Status == "failed")
        {
            (reason, runStatus, error) = ("worker-failed", null, null);
        }
        else if (run.DeliveredAt is { } delivered && run.RunDeadline >= delivered + run.Completion.RunTimeout)
        {
            (reason, runStatus, error) = ("timed-out", "timed-out", $"the run did not finish within its run timeout ({Durations.Format(run.Completion.RunTimeout)})");
        }
        else
        {
            (reason, runStatus, error) = ("worker-silent", "worker-silent",
                $"the worker went silent: no report within the heartbeat timeout ({Durations.Format(run.Completion.HeartbeatTimeout ?? run.Completion.RunTimeout)})");
        }
        if (run.Status == "cancelling")
        {
            // Asked to stop and never said it had: it ends as asked, not retried.
            return new RunEnd(run.Id, "cancelled", null, reason, runStatus, error);
        }
        return run.Attempt >= run.MaxAttempts
            ? new RunEnd(run.Id, "dead", null, reason, runStatus, error)
            : new RunEnd(run.Id, "pending", now + retry.NextDelay(run.Attempt, random), null, runStatus, error);
    }
}
