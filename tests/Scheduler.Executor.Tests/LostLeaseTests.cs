using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Executor.Firing;
using Scheduler.Storage.Executions;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>
/// Poison work (issue 31): a lease lost with its executor is an attempt, so a delivery that kills its executor every time ends
/// as a dead letter after max attempts instead of being delivered forever; a graceful release is not an attempt.
/// </summary>
public class LostLeaseTests
{
    // Lease = due + the target's 3 s timeout + this margin.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3) + Margin;

    // An executor that claims and then dies before writing anything: what a SIGKILL right after the claim's commit leaves.
    private static async Task<IReadOnlyList<ClaimedExecution>> ClaimAndDieAsync(FiringHarness harness, string owner) =>
        (await new ExecutionStore(harness.DataSource, NullLogger<ExecutionStore>.Instance).ClaimAsync(
            new ClaimRequest(owner, harness.Time.GetUtcNow(), TimeSpan.Zero, 100, TimeSpan.FromSeconds(10), Margin), CancellationToken.None)).Executions;

    [Fact]
    public async Task A_delivery_lost_at_every_attempt_ends_dead_after_max_attempts_saying_the_executor_was_lost()
    {
        await using var harness = await FiringHarness.StartAsync();
        var schedule = await harness.CreateAsync(FiringHarness.Webhook("poison", harness.Echo.EchoUrl(), maxAttempts: 3) with { Delay = "1s" });
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        // Attempts 1 and 2 are lost; each lost lease is leased again at once, as the next attempt, with the same id.
        var first = Assert.Single(await ClaimAndDieAsync(harness, "lost-1"));
        Assert.Equal(1, first.Attempt);
        harness.Time.Advance(Lease);
        Assert.Empty(await ClaimAndDieAsync(harness, "early"));
        harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        var second = Assert.Single(await ClaimAndDieAsync(harness, "lost-2"));
        Assert.Equal((first.Id, 2), (second.Id, second.Attempt));
        harness.Time.Advance(Lease + TimeSpan.FromMilliseconds(1));
        var third = Assert.Single(await ClaimAndDieAsync(harness, "lost-3"));
        Assert.Equal((first.Id, 3), (third.Id, third.Attempt));

        // The last attempt's lease expires: a healthy executor ends it dead and delivers nothing.
        harness.Time.Advance(Lease + TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await TestExecutor.DrainAsync(harness.Executor("healthy")));

        var execution = Assert.Single(await harness.ExecutionsAsync(schedule.Id));
        Assert.Equal(("dead", 3, "executor-lost", null), (execution.Status, execution.Attempt, execution.EndReason, execution.LeaseOwner));
        Assert.Equal("the executor was lost while delivering it (lease expired 3 times)", execution.LastError);
        Assert.Equal([("lost-1", 1, "lost"), ("lost-2", 2, "lost"), ("lost-3", 3, "lost")],
            (await harness.AttemptsAsync(first.Id)).Select(a => (a.ExecutorId, a.Attempt, a.Outcome)));
        Assert.Empty(await harness.Echo.ReceivedAsync());
        // And it stays dead: nothing claims it again.
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await ClaimAndDieAsync(harness, "later"));
    }

    [Fact]
    public async Task A_lease_lost_at_the_last_attempt_after_failed_deliveries_ends_dead_counting_only_the_lost_lease()
    {
        await using var harness = await FiringHarness.StartAsync();
        var schedule = await harness.CreateAsync(FiringHarness.Webhook("fails-then-kills", harness.Echo.EchoUrl("fail=500"), maxAttempts: 2) with { Delay = "1s" });
        var executor = harness.Executor("healthy", o => (o.RetryInitialBackoff, o.RetryMaxBackoff) = (TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)));
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await TestExecutor.DrainAsync(executor));
        var failed = Assert.Single(await harness.ExecutionsAsync(schedule.Id));
        Assert.Equal(("pending", 1), (failed.Status, failed.Attempt));

        // The retry (attempt 2, the last) is claimed by an executor that dies.
        harness.Time.Advance(failed.NextAttemptAt!.Value - harness.Time.GetUtcNow());
        Assert.Equal(2, Assert.Single(await ClaimAndDieAsync(harness, "lost")).Attempt);
        harness.Time.Advance(Lease + TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await TestExecutor.DrainAsync(executor));

        var execution = Assert.Single(await harness.ExecutionsAsync(schedule.Id));
        Assert.Equal(("dead", 2, "executor-lost"), (execution.Status, execution.Attempt, execution.EndReason));
        Assert.Equal("the executor was lost while delivering it (lease expired 1 time)", execution.LastError);
        Assert.Equal([(1, "failed"), (2, "lost")], (await harness.AttemptsAsync(execution.Id)).Select(a => (a.Attempt, a.Outcome)));
        Assert.Single(await harness.Echo.ReceivedAsync());
    }

    [Fact]
    public async Task Releases_on_graceful_shutdown_do_not_count_against_max_attempts()
    {
        await using var harness = await FiringHarness.StartAsync();
        var schedule = await harness.CreateAsync(FiringHarness.Webhook("released", harness.Echo.EchoUrl(), maxAttempts: 1) with { Delay = "3s" });

        // Three executors in turn claim it ahead of its time (lookahead) and stop gracefully before it is due.
        for (var i = 1; i <= 3; i++)
        {
            var leaving = harness.Executor($"leaving-{i}", o => o.Lookahead = TimeSpan.FromSeconds(5));
            Assert.Equal(1, (await leaving.RunOnceAsync(CancellationToken.None)).Claimed);
            await leaving.ShutdownAsync(CancellationToken.None);
            var released = Assert.Single(await harness.ExecutionsAsync(schedule.Id));
            Assert.Equal(("pending", 0, null), (released.Status, released.Attempt, released.LeaseOwner));
        }

        // Its one attempt is still there: delivered as attempt 1, and it succeeds.
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await TestExecutor.DrainAsync(harness.Executor("staying")));
        var execution = Assert.Single(await harness.ExecutionsAsync(schedule.Id));
        Assert.Equal(("succeeded", 1), (execution.Status, execution.Attempt));
        Assert.Equal(1, Assert.Single(await harness.Echo.ReceivedAsync()).Attempt);
        Assert.Equal([(1, "succeeded")], (await harness.AttemptsAsync(execution.Id)).Select(a => (a.Attempt, a.Outcome)));
    }
}
