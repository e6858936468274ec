using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Scheduler.Executor.Firing;
using Scheduler.Executor.Retention;
using Scheduler.Storage.Retention;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>Retention against real history: what is old and finished goes, everything live or recent stays.</summary>
public class RetentionTests
{
    private static readonly RetentionPolicy Policy = new(TimeSpan.FromDays(30), TimeSpan.FromDays(90), 1_000);

    private static async Task<long> AttemptsAsync(FiringHarness harness, Guid executionId)
    {
        await using var connection = await harness.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("select count(*) from execution_attempts where execution_id = @executionId", new { executionId });
    }

    [Fact]
    public async Task Finished_executions_go_after_their_window_dead_letters_after_theirs_and_live_work_never()
    {
        await using var harness = await FiringHarness.StartAsync();
        var succeeded = await harness.CreateAsync(FiringHarness.Webhook("fine", harness.Echo.EchoUrl()) with { Delay = "1s" });
        var dead = await harness.CreateAsync(FiringHarness.Webhook("nobody-home", "http://127.0.0.1:9/", maxAttempts: 1) with { Delay = "1s" });
        var retrying = await harness.CreateAsync(FiringHarness.Webhook("still-trying", "http://127.0.0.1:9/", maxAttempts: 3) with { Delay = "1s" });
        var executor = harness.Executor("a");
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await executor.RunOnceAsync(CancellationToken.None)).Claimed);
        await executor.WhenIdleAsync();
        var store = new RetentionStore(harness.DataSource);
        Guid Id(Storage.Schedules.ScheduleRecord schedule, List<ExecutionRow> rows) => rows.Single(e => e.ScheduleId == schedule.Id).Id;
        var before = await harness.ExecutionsAsync();
        Assert.Equal(["dead", "pending", "succeeded"], before.Select(e => e.Status).Order(StringComparer.Ordinal));
        Assert.Equal(1, await AttemptsAsync(harness, Id(succeeded, before)));

        harness.Time.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, (await store.DeleteBatchAsync(harness.Time.GetUtcNow(), Policy, CancellationToken.None)).Total);
        Assert.Equal(3, (await harness.ExecutionsAsync()).Count);

        harness.Time.Advance(TimeSpan.FromDays(2));
        var batch = await store.DeleteBatchAsync(harness.Time.GetUtcNow(), Policy, CancellationToken.None);
        Assert.Equal((1, 0), (batch.Executions, batch.DeadLetters));
        var after = await harness.ExecutionsAsync();
        Assert.Equal(new[] { dead.Id, retrying.Id }.Order(), after.Select(e => e.ScheduleId).Order());
        Assert.Equal(0, await AttemptsAsync(harness, Id(succeeded, before)));

        harness.Time.Advance(TimeSpan.FromDays(60));
        batch = await store.DeleteBatchAsync(harness.Time.GetUtcNow(), Policy, CancellationToken.None);
        Assert.Equal((0, 1), (batch.Executions, batch.DeadLetters));
        // Pending work is never history, however old: it fires when an executor gets to it.
        var left = Assert.Single(await harness.ExecutionsAsync());
        Assert.Equal((retrying.Id, "pending"), (left.ScheduleId, left.Status));
        // The schedules themselves are not history.
        Assert.NotNull(await harness.Schedules.GetAsync("default", succeeded.Id, CancellationToken.None));
    }

    [Fact]
    public async Task One_executor_deletes_at_a_time_and_full_batches_follow_each_other_until_one_is_short()
    {
        await using var harness = await FiringHarness.StartAsync();
        for (var i = 0; i < 250; i++)
        {
            await harness.CreateAsync(FiringHarness.Webhook($"one-shot-{i}", harness.Echo.EchoUrl()) with { Delay = "1s" });
        }
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(250, await TestExecutor.DrainAsync(harness.Executor("a", o => o.BatchSize = 500)));
        harness.Time.Advance(TimeSpan.FromDays(31));
        var policy = Policy with { BatchSize = 100 };
        var store = new RetentionStore(harness.DataSource);

        // Another executor's batch holds the lock: this one skips, deleting nothing.
        await using (var other = await harness.DataSource.OpenConnectionAsync())
        await using (var transaction = await other.BeginTransactionAsync())
        {
            Assert.True(await other.ExecuteScalarAsync<bool>("select pg_try_advisory_xact_lock(hashtext('scheduleman.retention'))", transaction: transaction));
            Assert.True((await store.DeleteBatchAsync(harness.Time.GetUtcNow(), policy, CancellationToken.None)).Busy);
        }
        Assert.Equal(250, (await harness.ExecutionsAsync()).Count);

        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = new ExecutorTelemetry(services.GetRequiredService<IMeterFactory>());
        var service = new RetentionService(store, harness.Time, telemetry, Options.Create(new RetentionOptions()), NullLogger<RetentionService>.Instance);
        var running = service.RunAsync(policy, CancellationToken.None);
        // Between full batches the service waits a moment (on the fake clock): let each wait pass.
        while (!running.IsCompleted)
        {
            harness.Time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.WhenAny(running, Task.Delay(10));
        }
        await running;
        Assert.Empty(await harness.ExecutionsAsync());
    }
}
