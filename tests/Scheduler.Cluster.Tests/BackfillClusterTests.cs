using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Xunit.Abstractions;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// A backfill with the built processes: WaitEcho as the worker, the API, two executors; one executor is killed (SIGKILL)
/// while the backfill's runs are in flight. Every run completes once, the backfill completes, and it never had more runs
/// unfinished than its maxActiveRuns — its next runs start in the transactions that end runs, so no process owns its progress.
/// </summary>
[Collection(Processes.Collection)]
public class BackfillClusterTests(ITestOutputHelper output)
{
    private const int Days = 24;
    private const int MaxActive = 4;

    [Fact]
    public async Task A_backfill_in_flight_completes_across_a_killed_executor_with_every_run_once_and_never_over_its_limit()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        try
        {
            var created = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse($$"""
                { "name": "hourly-load", "cron": "0 0 * * * *", "completion": { "runTimeout": "1m", "heartbeatTimeout": "15s" },
                  "target": { "type": "webhook", "url": "http://127.0.0.1:{{cluster.EchoPort}}/work?for=1s&heartbeat=500ms" } }
                """));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            var scheduleId = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            var end = DateTimeOffset.UtcNow.Date.AddDays(-1);
            var backfill = await cluster.ApiClient.PostAsJsonAsync($"/api/v1/schedules/{scheduleId}/backfills", new
            {
                start = end.AddDays(-Days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), end = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                batch = "day", maxActiveRuns = MaxActive,
            });
            Assert.True(backfill.IsSuccessStatusCode, await backfill.Content.ReadAsStringAsync());
            var id = Guid.Parse((string)(await backfill.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);

            await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
            var peak = 0;
            async Task<(string Status, int Active, int Started)> SampleAsync()
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                var sample = await connection.QuerySingleAsync<(string, int, int)>("""
                    select b.status, (select count(*)::int from executions x where x.backfill_id = b.id
                                      and x.status in ('pending', 'delivering', 'delivered', 'running', 'failed', 'cancelling', 'waiting')), b.started
                    from backfills b where b.id = @Id
                    """, new { Id = id });
                peak = Math.Max(peak, sample.Item2);
                return sample;
            }
            async Task<long> DeliveredByAsync(string executor)
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                return await connection.ExecuteScalarAsync<long>("select count(*) from execution_attempts where executor_id = @Executor", new { Executor = executor });
            }
            // Mid-way: runs are in flight, some delivered by the executor about to die.
            await WaitFor.ConditionAsync(async () => (await SampleAsync()).Started >= Days / 3 && await DeliveredByAsync("executor-1") > 0,
                TimeSpan.FromSeconds(60), "a third of the runs to start, some by executor-1", () => Task.FromResult(cluster.Tails()));
            cluster.Executor1.Kill();
            await WaitFor.ConditionAsync(async () => (await SampleAsync()).Status == "completed", TimeSpan.FromSeconds(120), "the backfill to complete",
                () => Task.FromResult(cluster.Tails()));

            await using var db = await dataSource.OpenConnectionAsync();
            var runs = (await db.QueryAsync<(DateTimeOffset Start, long Count, string Status)>(
                "select interval_start, count(*), min(status) from executions where backfill_id = @Id group by 1 order by 1", new { Id = id })).AsList();
            Assert.Equal(Days, runs.Count);
            Assert.All(runs, r => Assert.Equal((1, "succeeded"), (r.Count, r.Status)));
            Assert.True(peak <= MaxActive, $"{peak} runs were unfinished at once; maxActiveRuns is {MaxActive}");
            var byKilled = await DeliveredByAsync("executor-1");
            output.WriteLine($"{Days} daily runs completed across a killed executor (which had delivered {byKilled}); peak {peak} unfinished (limit {MaxActive})");
        }
        catch
        {
            output.WriteLine(cluster.Tails());
            throw;
        }
    }
}
