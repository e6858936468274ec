using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Scheduler.WaitEcho.Echo;
using Xunit.Abstractions;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// The promises under chaos, with the built processes: WaitEcho, the API and three executors; executors are
/// killed with SIGKILL and restarted every few seconds, and PostgreSQL is restarted once. Short by default;
/// <c>SCHEDULER_SOAK_SECONDS=600 dotnet test --filter Cluster</c> soaks.
/// </summary>
[Collection(Processes.Collection)]
public class ClusterTests(ITestOutputHelper output)
{
    private const int Executors = 3;
    private const int Crons = 40;
    private const int KafkaCrons = 10;
    private const int OneShots = 20;
    // Lease = due + 3 s timeout + 5 s margin; plus one poll (0.5 s × 1.5) and this machine's noise.
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(8 + 0.75 + 2.5);

    [Fact]
    public async Task Killing_executors_and_restarting_postgres_loses_no_trigger_and_fires_none_early()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("SCHEDULER_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var soak) ? soak : 45;
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Scheduler"] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Executor__PollInterval"] = "00:00:00.500",
        };
        int echoPort = Ports.Free(), apiPort = Ports.Free();
        // WaitEcho is both targets: /echo for webhooks, and a mock Kafka cluster it consumes from.
        await using var echo = HostProcess.Start("waitecho", "Scheduler.WaitEcho",
            new Dictionary<string, string>(environment) { ["WaitEcho__Kafka__Mock"] = "true", ["WaitEcho__Kafka__Topics"] = "cluster" },
            "--urls", $"http://127.0.0.1:{echoPort}");
        using var echoClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{echoPort}") };
        await HostProcess.WaitForHealthAsync(echoClient.BaseAddress!, "WaitEcho");
        var kafka = (string)(await echoClient.GetFromJsonAsync<JsonObject>("/kafka"))!["bootstrapServers"]!;
        await using var api = HostProcess.Start("api", "Scheduler.Crud.Api", environment, "--urls", $"http://127.0.0.1:{apiPort}");
        var executors = Enumerable.Range(1, Executors).Select(i => HostProcess.Start($"executor-{i}", "Scheduler.Executor",
            new Dictionary<string, string>(environment) { ["Executor__ExecutorId"] = $"executor-{i}", ["Kafka__BootstrapServers"] = kafka })).ToList();
        using var apiClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        apiClient.DefaultRequestHeaders.Add("X-Api-Key", TestSettings.AdminKey);
        var processes = executors.Append(api).Append(echo).ToList();
        string Tails() => string.Join('\n', processes.Select(p => p.Tail()));
        try
        {
            await HostProcess.WaitForHealthAsync(apiClient.BaseAddress!, "the API");

            var target = new JsonObject { ["type"] = "webhook", ["url"] = $"http://127.0.0.1:{echoPort}/echo" };
            var schedules = new List<string>();
            for (var i = 0; i < Crons; i++)
            {
                schedules.Add(await CreateAsync(apiClient, new JsonObject { ["name"] = $"cron-{i}", ["cron"] = "* * * * * *", ["target"] = target.DeepClone() }));
            }
            for (var i = 0; i < KafkaCrons; i++)
            {
                schedules.Add(await CreateAsync(apiClient, new JsonObject
                {
                    ["name"] = $"kafka-{i}", ["cron"] = "* * * * * *", ["target"] = new JsonObject { ["type"] = "kafka", ["topic"] = "cluster" },
                }));
            }
            for (var i = 0; i < OneShots; i++)
            {
                await CreateAsync(apiClient, new JsonObject { ["name"] = $"once-{i}", ["delay"] = $"{3 + i * (seconds - 6) / OneShots}s", ["target"] = target.DeepClone() });
            }

            // Chaos: a random executor is killed (SIGKILL) and restarted every few seconds; PostgreSQL restarts once.
            var random = new Random(20261124);
            var start = DateTimeOffset.UtcNow;
            DateTimeOffset? databaseDown = null, databaseUp = null;
            var kills = 0;
            while (DateTimeOffset.UtcNow - start < TimeSpan.FromSeconds(seconds))
            {
                await Task.Delay(TimeSpan.FromSeconds(3 + random.NextDouble() * 4));
                var victim = executors[random.Next(executors.Count)];
                victim.Kill();
                kills++;
                await Task.Delay(TimeSpan.FromSeconds(0.5 + random.NextDouble()));
                victim.Restart();
                if (databaseDown is null && DateTimeOffset.UtcNow - start > TimeSpan.FromSeconds(seconds / 2.0))
                {
                    databaseDown = DateTimeOffset.UtcNow;
                    var away = await server.InterruptAsync(TimeSpan.FromSeconds(2));
                    databaseUp = DateTimeOffset.UtcNow;
                    output.WriteLine($"PostgreSQL was away for {away.TotalSeconds:0.0} s");
                }
            }
            foreach (var schedule in schedules)
            {
                await SendAsync(apiClient, () => apiClient.PostAsync($"/api/v1/schedules/{schedule}/pause", null));
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await WaitFor.ConditionAsync(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                return await connection.ExecuteScalarAsync<long>("select count(*) from executions where status in ('pending', 'delivering')") == 0
                    && await connection.ExecuteScalarAsync<long>("select count(*) from schedules where state = 'active'") == 0;
            }, TimeSpan.FromSeconds(90), "every execution to finish", () => Task.FromResult(Tails()));

            List<ExecutionRow> executions;
            Dictionary<string, int> attemptsAfterRestart;
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                executions = (await connection.QueryAsync<ExecutionRow>(
                    "select id, schedule_id as ScheduleId, scheduled_for as ScheduledFor, origin, occurrences, status, attempt from executions")).AsList();
                attemptsAfterRestart = (await connection.QueryAsync<(string, int)>(
                    "select executor_id, count(*)::int from execution_attempts where started_at > @Up group by executor_id",
                    new { Up = databaseUp!.Value.AddSeconds(2) })).ToDictionary(r => r.Item1, r => r.Item2);
            }
            // Every execution reached the target, over HTTP or through Kafka (WaitEcho's consumer may lag a moment).
            List<ReceivedTrigger> received = [];
            await WaitFor.ConditionAsync(async () =>
            {
                received = (await echoClient.GetFromJsonAsync<List<ReceivedTrigger>>("/received?limit=1000000"))!;
                var seen = received.Select(r => r.ExecutionId).ToHashSet();
                return executions.All(e => seen.Contains(e.Id.ToString()));
            }, TimeSpan.FromSeconds(30), "every execution to be seen at WaitEcho", () => Task.FromResult(Tails()));
            var byExecution = received.GroupBy(r => r.ExecutionId!).ToDictionary(g => g.Key, g => g.ToList());
            var late = received.Where(r => r.Attempt == 1).Select(r => r.LatenessMs!.Value).Order().ToList();
            output.WriteLine($"{executions.Count} executions, {received.Count} deliveries, {kills} kills; first-attempt lateness p50 {late[late.Count / 2]:0.0} ms, " +
                             $"p99 {late[late.Count * 99 / 100]:0.0} ms, max {late[^1]:0.0} ms; {received.Count - byExecution.Count} duplicates; " +
                             $"{executions.Count(e => e.Attempt >= 2)} executions taken over from a killed executor or a lost outcome");

            // Nothing lost: every occurrence has an execution, every execution succeeded and reached the target.
            Assert.Contains(received, r => r.Transport == "kafka");
            Assert.All(executions, e => Assert.Equal("succeeded", e.Status));
            Assert.DoesNotContain(executions, e => !byExecution.ContainsKey(e.Id.ToString()));
            foreach (var group in executions.Where(e => schedules.Contains(e.ScheduleId.ToString())).GroupBy(e => e.ScheduleId))
            {
                var covered = group.SelectMany(e => Enumerable.Range(0, e.Occurrences).Select(k => e.ScheduledFor.AddSeconds(k))).Order().ToList();
                Assert.Equal(Enumerable.Range(0, covered.Count).Select(k => covered[0].AddSeconds(k)), covered);
            }
            Assert.Equal(OneShots, executions.Count(e => !schedules.Contains(e.ScheduleId.ToString())));

            // Never early.
            Assert.All(received, r => Assert.True(r.LatenessMs >= 0, $"{r.ExecutionId} came {-r.LatenessMs} ms early"));

            // Duplicates only for executions taken over after a kill (or a lost outcome), each with the same id.
            foreach (var (id, copies) in byExecution.Where(e => e.Value.Count > 1))
            {
                Assert.True(executions.Single(e => e.Id.ToString() == id).Attempt >= 2, $"{id} was delivered {copies.Count} times in one attempt");
                Assert.Equal(copies.Count, copies.Select(c => c.Attempt).Distinct().Count());
            }

            // Recovered in time: the first delivery of each occurrence within the lease plus a poll (plus the database's absence).
            var outage = databaseUp!.Value - databaseDown!.Value;
            foreach (var (id, copies) in byExecution)
            {
                var first = copies.MinBy(c => c.ReceivedAt)!;
                var due = first.ScheduledFor!.Value;
                var allowed = RecoveryBound + (due >= databaseDown.Value - RecoveryBound && due <= databaseUp.Value ? outage + TimeSpan.FromSeconds(5) : TimeSpan.Zero);
                var execution = executions.Single(e => e.Id.ToString() == id);
                if (execution.Origin == "schedule")
                {
                    Assert.True(first.LatenessMs <= allowed.TotalMilliseconds, $"{id} due {due:O} first arrived {first.LatenessMs:0} ms late (allowed {allowed.TotalMilliseconds:0})");
                }
            }

            // Healthy after the database came back: every executor is running and firing.
            Assert.All(executors, e => Assert.True(e.Running, $"{e.Name} exited\n{e.Tail()}"));
            Assert.All(executors, e => Assert.True(attemptsAfterRestart.GetValueOrDefault(e.Name) > 0, $"{e.Name} fired nothing after PostgreSQL returned\n{e.Tail()}"));
        }
        catch
        {
            output.WriteLine(Tails());
            throw;
        }
        finally
        {
            foreach (var executor in executors)
            {
                await executor.DisposeAsync();
            }
        }
    }

    /// <summary>Like a real client: a 503 (database restarting) is retried after its Retry-After; anything else must succeed.</summary>
    private static async Task SendAsync(HttpClient api, Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await send();
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && attempt < 10)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return;
        }
    }

    /// <summary>Creates a schedule through the API; returns its id.</summary>
    internal static async Task<string> CreateAsync(HttpClient api, JsonObject body)
    {
        var response = await api.PostAsJsonAsync("/api/v1/schedules", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }
}
