using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Executions;
using Scheduler.Storage.Schedules;
using Scheduler.Testing;

namespace Scheduler.Storage.Tests;

public class ClaimTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<NpgsqlDataSource> DatabaseAsync() =>
        NpgsqlDataSource.Create(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync());

    private static async Task<List<Guid>> InsertOneShotsAsync(ScheduleStore store, int count, DateTimeOffset at, string prefix = "one-shot")
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var errors = ScheduleValidator.Validate(new ScheduleRequest
            {
                Name = $"{prefix}-{i}",
                RunAt = at.ToString("O"),
                Target = new TargetRequest { Type = "webhook", Url = "http://127.0.0.1:9/echo" },
            }, T0, out var definition);
            Assert.True(errors.IsValid, errors.ToString());
            ids.Add((await store.InsertAsync("default", definition!, T0, CancellationToken.None))!.Id);
        }
        return ids;
    }

    private static ClaimRequest Claim(string owner, DateTimeOffset now, int batch = 100) =>
        new(owner, now, TimeSpan.Zero, batch, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Claim_skips_rows_locked_by_another_executor()
    {
        await using var dataSource = await DatabaseAsync();
        var store = new ScheduleStore(dataSource, TestSettings.Secrets);
        var ids = await InsertOneShotsAsync(store, 10, T0.AddSeconds(1));

        // Another executor's claim transaction holds three of the schedules.
        await using var other = await dataSource.OpenConnectionAsync();
        await using var transaction = await other.BeginTransactionAsync();
        var locked = (await other.QueryAsync<Guid>("select id from schedules order by id limit 3 for update", transaction: transaction)).ToHashSet();

        var executions = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);
        var claimed = (await executions.ClaimAsync(Claim("a", T0.AddSeconds(1)), CancellationToken.None)).Executions;

        Assert.Equal(7, claimed.Count);
        Assert.DoesNotContain(claimed, c => locked.Contains(c.ScheduleId!.Value));
        Assert.All(claimed, c => Assert.Equal(1, c.Attempt));
        await transaction.RollbackAsync();

        var rest = (await executions.ClaimAsync(Claim("b", T0.AddSeconds(1)), CancellationToken.None)).Executions;
        Assert.Equal(locked.Order(), rest.Select(c => c.ScheduleId!.Value).Order());
        Assert.Equal(ids.Order(), claimed.Concat(rest).Select(c => c.ScheduleId!.Value).Order());
    }

    [Fact]
    public async Task Claim_takes_nothing_before_its_time_and_a_bounded_batch_after()
    {
        await using var dataSource = await DatabaseAsync();
        await InsertOneShotsAsync(new ScheduleStore(dataSource, TestSettings.Secrets), 30, T0.AddSeconds(5));
        var executions = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);

        var early = await executions.ClaimAsync(Claim("a", T0.AddSeconds(4.999)), CancellationToken.None);
        Assert.Empty(early.Executions);
        Assert.Equal((true, T0.AddSeconds(5)), (early.NothingDue, early.NextDue));
        Assert.Equal(0, await executions.DueBacklogAsync(T0.AddSeconds(4.999), CancellationToken.None));
        Assert.Equal(30, await executions.DueBacklogAsync(T0.AddSeconds(5), CancellationToken.None));
        Assert.Equal(20, (await executions.ClaimAsync(Claim("a", T0.AddSeconds(5), batch: 20), CancellationToken.None)).Executions.Count);
        Assert.Equal(10, (await executions.ClaimAsync(Claim("a", T0.AddSeconds(5), batch: 20), CancellationToken.None)).Executions.Count);
        Assert.Equal(0, await executions.DueBacklogAsync(T0.AddSeconds(5), CancellationToken.None));

        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(30, await connection.ExecuteScalarAsync<int>("select count(*) from schedules where state = 'completed' and next_fire_at is null"));
    }

    [Fact]
    public async Task A_claim_under_a_backlog_claims_without_the_probe_and_so_cannot_say_nothing_is_due()
    {
        await using var dataSource = await DatabaseAsync();
        var executions = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);
        await InsertOneShotsAsync(new ScheduleStore(dataSource, TestSettings.Secrets), 30, T0.AddSeconds(5));

        var first = await executions.ClaimAsync(Claim("a", T0.AddSeconds(5), batch: 20) with { Backlog = true }, CancellationToken.None);
        Assert.Equal((20, false), (first.Executions.Count, first.NothingDue));
        var rest = await executions.ClaimAsync(Claim("a", T0.AddSeconds(5), batch: 20) with { Backlog = true }, CancellationToken.None);
        Assert.Equal(10, rest.Executions.Count);
        // Nothing left: without the probe the claim ran its statements and found nothing, but does not know when work is next due.
        var empty = await executions.ClaimAsync(Claim("a", T0.AddSeconds(5)) with { Backlog = true }, CancellationToken.None);
        Assert.Equal((0, false, (DateTimeOffset?)null), (empty.Executions.Count, empty.NothingDue, empty.NextDue));
        // Work due later is not claimed early either way.
        await InsertOneShotsAsync(new ScheduleStore(dataSource, TestSettings.Secrets), 5, T0.AddSeconds(60), "later");
        Assert.Empty((await executions.ClaimAsync(Claim("a", T0.AddSeconds(6)) with { Backlog = true }, CancellationToken.None)).Executions);
        // The probe knows: the 30 leases held since 12:00:05 expire before the new one-shots are due (due + 3 s timeout + 10 s margin).
        var probed = await executions.ClaimAsync(Claim("a", T0.AddSeconds(6)), CancellationToken.None);
        Assert.Equal((true, T0.AddSeconds(18)), (probed.NothingDue, probed.NextDue));
    }

    [Fact]
    public async Task Claim_query_is_served_by_the_partial_due_index()
    {
        await using var dataSource = await DatabaseAsync();
        await InsertOneShotsAsync(new ScheduleStore(dataSource, TestSettings.Secrets), 5, T0.AddDays(30));
        await using var connection = await dataSource.OpenConnectionAsync();
        // Tiny tables are cheapest to scan; what matters is that the partial index matches the claim's predicate.
        await connection.ExecuteAsync("set enable_seqscan = off");
        var plan = string.Join('\n', await connection.QueryAsync<string>(
            "explain select id from schedules where next_fire_at <= now() order by next_fire_at, id limit 500 for update skip locked"));
        Assert.Contains("schedules_due", plan, StringComparison.Ordinal);
    }
}
