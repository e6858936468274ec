using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Scheduler.WaitEcho.Echo;
using Xunit.Abstractions;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// Poison work (issue 31), with the built processes: a delivery that kills the executor sending it, every time. WaitEcho holds
/// the poison's request open and the test SIGKILLs whichever executor holds its lease (the delivering one) as soon as the
/// request arrives, then restarts it. The execution ends dead after exactly max attempts, saying the executor was lost, while a
/// cron every second keeps firing on time through all of it.
/// </summary>
[Collection(Processes.Collection)]
public class PoisonClusterTests(ITestOutputHelper output)
{
    private const int MaxAttempts = 3;
    // Lease = due + 8 s timeout + 1 s margin; plus a poll (0.3 s × 1.5) and this machine's noise.
    private static readonly TimeSpan LeaseBound = TimeSpan.FromSeconds(9 + 0.45 + 5);
    // A cron occurrence leased to a killed executor: due + 3 s timeout + 1 s margin, a poll and the noise.
    private static readonly TimeSpan CronRecoveryBound = TimeSpan.FromSeconds(4 + 0.45 + 2.5);

    [Fact]
    public async Task A_delivery_that_kills_its_executor_every_time_ends_dead_after_max_attempts_while_a_cron_keeps_firing()
    {
        await using var cluster = await WorkerCluster.StartAsync(settings: new Dictionary<string, string> { ["Executor__LeaseMargin"] = "00:00:01" });
        var (api, echo) = (cluster.ApiClient, cluster.EchoClient);
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var executors = new Dictionary<string, HostProcess> { ["executor-1"] = cluster.Executor1, ["executor-2"] = cluster.Executor2 };
        try
        {
            var cron = await ClusterTests.CreateAsync(api, new JsonObject
            {
                ["name"] = "every-second", ["cron"] = "* * * * * *",
                ["target"] = new JsonObject { ["type"] = "webhook", ["url"] = $"http://127.0.0.1:{cluster.EchoPort}/echo/cron" },
            });
            // WaitEcho answers the poison a minute late: its delivery is in flight (for the target's 8 s timeout) when the test kills.
            var poison = await ClusterTests.CreateAsync(api, new JsonObject
            {
                ["name"] = "poison", ["delay"] = "2s", ["maxAttempts"] = MaxAttempts,
                ["target"] = new JsonObject { ["type"] = "webhook", ["url"] = $"http://127.0.0.1:{cluster.EchoPort}/echo/poison?delay=1m", ["timeout"] = "8s" },
            });

            var killed = new List<string>();
            string? executionId = null;
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                ReceivedTrigger? delivery = null;
                await WaitFor.ConditionAsync(async () =>
                {
                    delivery = (await ReceivedAsync(echo, poison)).FirstOrDefault(r => r.Attempt == attempt);
                    return delivery is not null;
                }, attempt == 1 ? TimeSpan.FromSeconds(30) : LeaseBound, $"attempt {attempt} of the poison to arrive", () => Task.FromResult(cluster.Tails()));
                executionId = delivery!.ExecutionId;
                await using var connection = await dataSource.OpenConnectionAsync();
                var owner = await connection.ExecuteScalarAsync<string?>(
                    "select lease_owner from executions where id = @Id::uuid and attempt = @Attempt and status = 'delivering'",
                    new { Id = executionId, Attempt = attempt });
                Assert.True(executors.TryGetValue(owner ?? "", out var sender), $"attempt {attempt} is being delivered by {owner ?? "nobody"}");
                sender.Kill();
                killed.Add(owner!);
                sender.Restart();
            }

            string Describe() => cluster.Tails();
            await WaitFor.ConditionAsync(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                return await connection.ExecuteScalarAsync<string>("select status from executions where id = @Id::uuid", new { Id = executionId }) == "dead";
            }, LeaseBound, "the poison to be dead", () => Task.FromResult(Describe()));
            var deadAt = DateTimeOffset.UtcNow;

            // The cron keeps firing after it, and the poison is never delivered again (three more seconds of cron prove both).
            await WaitFor.ConditionAsync(async () => (await ReceivedAsync(echo, cron)).Count(r => r.ReceivedAt > deadAt) >= 3,
                TimeSpan.FromSeconds(30), "the cron to fire after the poison died", () => Task.FromResult(Describe()));
            Assert.Equal(Enumerable.Range(1, MaxAttempts), (await ReceivedAsync(echo, poison)).Select(r => r.Attempt!.Value));

            using (var response = await api.PostAsync($"/api/v1/schedules/{cron}/pause", null))
            {
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            }
            await WaitFor.ConditionAsync(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                return await connection.ExecuteScalarAsync<long>("select count(*) from executions where status in ('pending', 'delivering')") == 0;
            }, TimeSpan.FromSeconds(30), "every cron execution to finish", () => Task.FromResult(Describe()));

            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                var dead = await connection.QuerySingleAsync<(string Status, int Attempt, string? EndReason, string? LastError)>(
                    "select status, attempt, end_reason, last_error from executions where id = @Id::uuid", new { Id = executionId });
                Assert.Equal(("dead", MaxAttempts, "executor-lost", "the executor was lost while delivering it (lease expired 3 times)"), dead);
                var attempts = (await connection.QueryAsync<(int Attempt, string ExecutorId, string Outcome)>(
                    "select attempt, executor_id, outcome from execution_attempts where execution_id = @Id::uuid order by attempt", new { Id = executionId })).ToList();
                Assert.Equal(killed.Select((owner, i) => (i + 1, owner, "lost")), attempts);

                // The cron: every second from its first occurrence to its last has an execution, each succeeded (those held by a
                // killed executor on a later attempt), and each first arrived within the recovery bound.
                var executions = (await connection.QueryAsync<(Guid Id, DateTimeOffset ScheduledFor, int Occurrences, string Status)>(
                    "select id, scheduled_for, occurrences, status from executions where schedule_id = @Id::uuid order by scheduled_for", new { Id = cron })).ToList();
                Assert.All(executions, e => Assert.Equal("succeeded", e.Status));
                var covered = executions.SelectMany(e => Enumerable.Range(0, e.Occurrences).Select(k => e.ScheduledFor.AddSeconds(k))).ToList();
                Assert.Equal(Enumerable.Range(0, covered.Count).Select(k => covered[0].AddSeconds(k)), covered);
                var received = (await ReceivedAsync(echo, cron)).GroupBy(r => r.ExecutionId).ToDictionary(g => g.Key!, g => g.Min(r => r.LatenessMs!.Value));
                Assert.All(executions, e => Assert.True(received.TryGetValue(e.Id.ToString(), out var late) && late >= 0 && late <= CronRecoveryBound.TotalMilliseconds,
                    $"cron occurrence {e.ScheduledFor:O} arrived {(received.TryGetValue(e.Id.ToString(), out var l) ? $"{l:0} ms late" : "never")}"));
                output.WriteLine($"poison dead after {MaxAttempts} lost leases (killed {string.Join(", ", killed)}); cron fired {executions.Count} times, " +
                                 $"first-delivery lateness max {received.Values.Max():0} ms");
            }
        }
        catch
        {
            output.WriteLine(cluster.Tails());
            throw;
        }
    }

    private static async Task<List<ReceivedTrigger>> ReceivedAsync(HttpClient echo, string scheduleId) =>
        (await echo.GetFromJsonAsync<List<ReceivedTrigger>>($"/received?scheduleId={scheduleId}&limit=100000"))!;
}
