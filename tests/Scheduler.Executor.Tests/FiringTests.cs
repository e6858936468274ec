using Dapper;
using Scheduler.Common.Schedules;
using Scheduler.Executor.Firing;
using Scheduler.Storage.Executions;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

public class FiringTests
{
    [Fact]
    public async Task Two_executors_racing_over_1000_due_schedules_fire_every_occurrence_exactly_once()
    {
        await using var harness = await FiringHarness.StartAsync();
        var at = harness.Time.GetUtcNow().AddSeconds(1);
        for (var i = 0; i < 1_000; i++)
        {
            await harness.CreateAsync(FiringHarness.Webhook($"race-{i}", harness.Echo.EchoUrl()) with { RunAt = at.ToString("O") });
        }
        var a = harness.Executor("a");
        var b = harness.Executor("b");
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        var claimed = await Task.WhenAll(TestExecutor.DrainAsync(a), TestExecutor.DrainAsync(b));

        Assert.Equal(1_000, claimed.Sum());
        Assert.True(claimed.All(c => c > 0), $"both executors should have taken part: {claimed[0]} and {claimed[1]}");
        var received = await harness.Echo.ReceivedAsync();
        Assert.Equal(1_000, received.Count);
        Assert.Equal(1_000, received.Select(r => r.ExecutionId).Distinct().Count());
        var executions = await harness.ExecutionsAsync();
        Assert.Equal(1_000, executions.Count);
        Assert.All(executions, e => Assert.Equal(("succeeded", 1), (e.Status, e.Attempt)));
        Assert.Equal(executions.Select(e => e.Id.ToString()).Order(), received.Select(r => r.ExecutionId!).Order());
    }

    [Fact]
    public async Task Failing_target_is_retried_with_growing_gaps_then_dead_lettered()
    {
        await using var harness = await FiringHarness.StartAsync();
        var schedule = await harness.CreateAsync(FiringHarness.Webhook("always-failing", harness.Echo.EchoUrl("fail=503"), maxAttempts: 4) with { Delay = "1s" });
        var executor = harness.Executor("a");

        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var gaps = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.Equal(1, await TestExecutor.DrainAsync(executor));
            var execution = Assert.Single(await harness.ExecutionsAsync());
            Assert.Equal(attempt, execution.Attempt);
            if (attempt < 4)
            {
                Assert.Equal("pending", execution.Status);
                var gap = execution.NextAttemptAt!.Value - harness.Time.GetUtcNow();
                gaps.Add(gap);
                // Not a moment before the retry is due.
                harness.Time.Advance(gap - TimeSpan.FromMilliseconds(1));
                Assert.Equal(0, await TestExecutor.DrainAsync(executor));
                harness.Time.Advance(TimeSpan.FromMilliseconds(1));
            }
            else
            {
                Assert.Equal(("dead", 503), (execution.Status, execution.LastStatusCode));
                Assert.Contains("HTTP 503", execution.LastError, StringComparison.Ordinal);
            }
        }

        Assert.True(gaps[0] < gaps[1] && gaps[1] < gaps[2], $"gaps should grow: {string.Join(", ", gaps)}");
        Assert.InRange(gaps[0], TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
        var received = await harness.Echo.ReceivedAsync(schedule.Id.ToString());
        Assert.Equal([1, 2, 3, 4], received.Select(r => r.Attempt!.Value));
        Assert.Single(received.Select(r => r.ExecutionId).Distinct());
        var attempts = await harness.AttemptsAsync(Assert.Single(await harness.ExecutionsAsync()).Id);
        Assert.Equal([1, 2, 3, 4], attempts.Select(a => a.Attempt));
        Assert.All(attempts, a => Assert.Equal(("failed", 503), (a.Outcome, a.StatusCode)));
        Assert.Equal(0, await TestExecutor.DrainAsync(executor));
    }

    [Fact]
    public async Task Target_that_recovers_succeeds_on_a_later_attempt_with_the_same_execution_id()
    {
        await using var harness = await FiringHarness.StartAsync();
        var schedule = await harness.CreateAsync(FiringHarness.Webhook("flaky", harness.Echo.EchoUrl("failFirst=2&fail=500")) with { Delay = "1s" });
        var executor = harness.Executor("a");
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await TestExecutor.DrainAsync(executor));
            if (Assert.Single(await harness.ExecutionsAsync()).NextAttemptAt is { } next)
            {
                harness.Time.Advance(next - harness.Time.GetUtcNow());
            }
        }

        var execution = Assert.Single(await harness.ExecutionsAsync());
        Assert.Equal(("succeeded", 3), (execution.Status, execution.Attempt));
        var received = await harness.Echo.ReceivedAsync(schedule.Id.ToString());
        Assert.Equal([500, 500, 200], received.Select(r => r.ResponseStatus));
        Assert.All(received, r => Assert.Equal(execution.Id.ToString(), r.ExecutionId));
    }

    [Fact]
    public async Task Client_errors_other_than_408_and_429_go_straight_to_dead_letter()
    {
        await using var harness = await FiringHarness.StartAsync();
        await harness.CreateAsync(FiringHarness.Webhook("gone", harness.Echo.EchoUrl("fail=404")) with { Delay = "1s" });
        var executor = harness.Executor("a");
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, await TestExecutor.DrainAsync(executor));
        var execution = Assert.Single(await harness.ExecutionsAsync());
        Assert.Equal(("dead", 1, 404), (execution.Status, execution.Attempt, execution.LastStatusCode));
    }

    [Fact]
    public async Task Executor_that_dies_holding_claims_loses_nothing_another_fires_them_after_lease_expiry()
    {
        await using var harness = await FiringHarness.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            await harness.CreateAsync(FiringHarness.Webhook($"orphan-{i}", harness.Echo.EchoUrl()) with { Delay = "1s" });
        }
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        // "dead" claims the work and then never fires it: as if killed right after its claim committed.
        var store = new ExecutionStore(harness.DataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<ExecutionStore>.Instance);
        var orphaned = (await store.ClaimAsync(new ClaimRequest("dead", harness.Time.GetUtcNow(), TimeSpan.Zero, 100,
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), CancellationToken.None)).Executions;
        Assert.Equal(20, orphaned.Count);

        var survivor = harness.Executor("survivor", o => o.LeaseMargin = TimeSpan.FromSeconds(10));
        Assert.Equal(0, await TestExecutor.DrainAsync(survivor));

        // Lease = due + 3 s timeout + 10 s margin.
        harness.Time.Advance(TimeSpan.FromSeconds(13));
        Assert.Equal(0, await TestExecutor.DrainAsync(survivor));
        harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(20, await TestExecutor.DrainAsync(survivor));

        var received = await harness.Echo.ReceivedAsync();
        Assert.Equal(orphaned.Select(o => o.Id.ToString()).Order(), received.Select(r => r.ExecutionId!).Order());
        Assert.All(received, r => Assert.Equal(2, r.Attempt));
        Assert.All(await harness.ExecutionsAsync(), e => Assert.Equal("succeeded", e.Status));
        // The lost lease is attempt 1 in the history, held by the executor that died, as long as its lease (3 s + 10 s).
        var attempts = await harness.AttemptsAsync(orphaned[0].Id);
        Assert.Equal([("dead", 1, "lost"), ("survivor", 2, "succeeded")], attempts.Select(a => (a.ExecutorId, a.Attempt, a.Outcome)));
        Assert.Equal((orphaned[0].DueAt, 13_000), (attempts[0].StartedAt, attempts[0].DurationMs));
        Assert.Equal("the executor was lost while delivering it (lease expired 1 time); delivering it again", attempts[0].Error);
    }

    [Fact]
    public async Task After_downtime_a_recurring_schedule_fires_once_for_what_it_missed_then_on_time()
    {
        await using var harness = await FiringHarness.StartAsync();
        var schedule = await harness.CreateAsync(FiringHarness.Webhook("every-2s", harness.Echo.EchoUrl()) with { Cron = "*/2 * * * * *" });
        var executor = harness.Executor("a");
        var first = schedule.NextFireAt!.Value;

        // Nothing runs for a minute.
        harness.Time.Advance(first - harness.Time.GetUtcNow() + TimeSpan.FromSeconds(60.5));
        Assert.Equal(1, await TestExecutor.DrainAsync(executor));
        var catchUp = Assert.Single(await harness.ExecutionsAsync());
        Assert.Equal(("catchup", first, 31), (catchUp.Origin, catchUp.ScheduledFor, catchUp.Occurrences));

        // Then back on the beat: the next occurrence, on time.
        harness.Time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, await TestExecutor.DrainAsync(executor));
        var executions = await harness.ExecutionsAsync();
        Assert.Equal(2, executions.Count);
        Assert.Equal(("schedule", first.AddSeconds(62)), (executions[1].Origin, executions[1].ScheduledFor));
        var received = await harness.Echo.ReceivedAsync();
        Assert.Equal(0, received[1].LatenessMs);
    }

    [Fact]
    public async Task Graceful_shutdown_hands_back_work_that_is_not_yet_due()
    {
        await using var harness = await FiringHarness.StartAsync();
        await harness.CreateAsync(FiringHarness.Webhook("later", harness.Echo.EchoUrl()) with { Delay = "3s" });
        var leaving = harness.Executor("leaving", o => o.Lookahead = TimeSpan.FromSeconds(5));

        Assert.Equal(1, (await leaving.RunOnceAsync(CancellationToken.None)).Claimed);
        await leaving.ShutdownAsync(CancellationToken.None);

        var released = Assert.Single(await harness.ExecutionsAsync());
        Assert.Equal(("pending", 0, null), (released.Status, released.Attempt, released.LeaseOwner));
        Assert.Empty(await harness.Echo.ReceivedAsync());

        var next = harness.Executor("next");
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await TestExecutor.DrainAsync(next));
        var fired = Assert.Single(await harness.Echo.ReceivedAsync());
        Assert.Equal((released.Id.ToString(), 1), (fired.ExecutionId, fired.Attempt));
    }

    [Fact]
    public async Task An_executor_at_capacity_claims_again_when_a_batch_fits_and_says_when_its_claim_was_cut_short()
    {
        await using var harness = await FiringHarness.StartAsync();
        for (var i = 0; i < 6; i++)
        {
            await harness.CreateAsync(FiringHarness.Webhook($"held-{i}", harness.Echo.EchoUrl()) with { Delay = "3s" });
        }
        var executor = harness.Executor("small", o => (o.Lookahead, o.MaxInFlight, o.BatchSize) = (TimeSpan.FromSeconds(5), 4, 10));

        // Four fit: the claim was all that was asked for (more may be due), and they wait for their time, holding the room.
        Assert.Equal(new Poll(4, Full: true), await executor.RunOnceAsync(CancellationToken.None));
        var room = executor.WaitForRoomAsync(4, Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.False(room.IsCompleted);
        Assert.Equal(new Poll(0, Full: true), await executor.RunOnceAsync(CancellationToken.None));

        // Their time comes, they are delivered, and the room they held is back: the wait ends without a poll.
        harness.Time.Advance(TimeSpan.FromSeconds(3));
        await room.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, executor.Room);
        Assert.Equal(new Poll(2, Full: false), await executor.RunOnceAsync(CancellationToken.None));
        await executor.WhenIdleAsync();
        Assert.Equal(6, (await harness.Echo.ReceivedAsync()).Select(r => r.ExecutionId).Distinct().Count());

        // Nothing left: the claim's first probe says so, and that nothing at all is pending.
        Assert.Equal(new Poll(0, Full: false, NothingDue: true, NextDue: null), await executor.RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_paused_or_deleted_schedule_is_not_claimed()
    {
        await using var harness = await FiringHarness.StartAsync();
        var schedule = await harness.CreateAsync(FiringHarness.Webhook("deleted", harness.Echo.EchoUrl()) with { Delay = "1s" });
        var deleted = await harness.Schedules.DeleteAsync("default", schedule.Id, null, harness.Time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(Scheduler.Storage.Schedules.ScheduleChangeStatus.Done, deleted.Status);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await TestExecutor.DrainAsync(harness.Executor("a")));
        await using var connection = await harness.DataSource.OpenConnectionAsync();
        Assert.Equal("deleted", await connection.ExecuteScalarAsync<string>("select state from schedules where id = @Id", new { schedule.Id }));
    }
}
