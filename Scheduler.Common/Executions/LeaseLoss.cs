namespace Scheduler.Common.Executions;

/// <summary>
/// A delivery whose lease expired before its outcome was written: the executor that held it died (SIGKILL, OOM, a node lost),
/// hung, or could not reach the database for the lease's length.
/// </summary>
/// <param name="Attempt">The attempt that was lost: deliveries started so far, this one included (counted when leased).</param>
/// <param name="LostBefore">How many earlier attempts of this execution were lost the same way.</param>
/// <param name="CancelRequested">A cancel was asked for while it was being delivered (a tracked run).</param>
public sealed record LostLease(Guid Id, int Attempt, int MaxAttempts, int LostBefore, bool CancelRequested);

/// <summary>Where a lost lease goes: <c>pending</c> due at once (delivered again), <c>dead</c> or <c>cancelled</c>; the error is its <c>last_error</c>.</summary>
public sealed record LeaseEnd(Guid Id, string Status, DateTimeOffset? NextAttemptAt, string? EndReason, string Error);

/// <summary>
/// The one place that decides what a lost lease becomes. A lost lease is an attempt like any other (the attempt counter moved
/// on when it was leased), so a delivery that kills its executor every time ends as a dead letter after <c>maxAttempts</c>
/// instead of being delivered forever. Another attempt starts at once, not after a backoff: the lease's expiry was the wait,
/// and the execution's next executor is most likely healthy.
/// </summary>
public static class LeaseLoss
{
    /// <summary>The dead letter's <c>endReason</c>.</summary>
    public const string EndReason = "executor-lost";

    /// <summary>The attempt's outcome in its history.</summary>
    public const string Outcome = "lost";

    public static LeaseEnd Decide(LostLease lease, DateTimeOffset now)
    {
        var times = lease.LostBefore + 1;
        var error = $"the executor was lost while delivering it (lease expired {times} {(times == 1 ? "time" : "times")})";
        if (lease.CancelRequested)
        {
            // As a failed delivery of a run asked to cancel: it ends as asked, not retried.
            return new LeaseEnd(lease.Id, "cancelled", null, null, error);
        }
        return lease.Attempt >= lease.MaxAttempts
            ? new LeaseEnd(lease.Id, "dead", null, EndReason, error)
            : new LeaseEnd(lease.Id, "pending", now, null, error + "; delivering it again");
    }
}
