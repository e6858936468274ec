using Scheduler.Common.Executions;

namespace Scheduler.Common.Tests;

public class LeaseLossTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.NewGuid();

    [Theory]
    // attempt, maxAttempts, lost before, cancel requested -> status, next attempt now, end reason, error
    [InlineData(1, 3, 0, false, "pending", true, null, "the executor was lost while delivering it (lease expired 1 time); delivering it again")]
    [InlineData(2, 3, 1, false, "pending", true, null, "the executor was lost while delivering it (lease expired 2 times); delivering it again")]
    [InlineData(3, 3, 2, false, "dead", false, "executor-lost", "the executor was lost while delivering it (lease expired 3 times)")]
    [InlineData(1, 1, 0, false, "dead", false, "executor-lost", "the executor was lost while delivering it (lease expired 1 time)")]
    // Failed deliveries before: only the lost leases are counted in the message, every attempt against max attempts.
    [InlineData(5, 5, 0, false, "dead", false, "executor-lost", "the executor was lost while delivering it (lease expired 1 time)")]
    // A redrive gave it more attempts than it had used.
    [InlineData(4, 6, 3, false, "pending", true, null, "the executor was lost while delivering it (lease expired 4 times); delivering it again")]
    // A tracked run asked to cancel while it was being delivered ends as asked, whatever attempts remain.
    [InlineData(1, 3, 0, true, "cancelled", false, null, "the executor was lost while delivering it (lease expired 1 time)")]
    [InlineData(3, 3, 2, true, "cancelled", false, null, "the executor was lost while delivering it (lease expired 3 times)")]
    public void A_lost_lease_is_an_attempt_delivered_again_at_once_until_the_last_which_ends_dead(int attempt, int maxAttempts, int lostBefore,
        bool cancelRequested, string status, bool againNow, string? endReason, string error)
    {
        var end = LeaseLoss.Decide(new LostLease(Id, attempt, maxAttempts, lostBefore, cancelRequested), Now);

        Assert.Equal(new LeaseEnd(Id, status, againNow ? Now : null, endReason, error), end);
    }
}
