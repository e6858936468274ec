using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Xunit.Abstractions;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// Result tracking with the built processes: WaitEcho working as a worker and reporting over HTTP, the API, two executors.
/// Runs are in flight when an executor is killed (SIGKILL) and when the API is killed and restarted: every run still ends
/// exactly once — the working ones succeeded on their first attempt, the silent one dead-lettered by the surviving executor.
/// </summary>
[Collection(Processes.Collection)]
public class ResultTrackingClusterTests(ITestOutputHelper output)
{
    private const int Runs = 12;

    [Fact]
    public async Task Runs_in_flight_survive_a_killed_executor_and_a_restarted_api()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        var (connectionString, echoPort, apiClient, echoClient) = (cluster.ConnectionString, cluster.EchoPort, cluster.ApiClient, cluster.EchoClient);
        try
        {
            // Working runs of 8 s with a heartbeat a second, and one worker that never reports. The heartbeat timeout (15 s)
            // outlasts the API's restart: a shorter one would rightly declare the working runs silent while the API is away.
            const string completion = """{ "runTimeout": "1m", "heartbeatTimeout": "15s" }""";
            var working = await CreateAsync(apiClient, "working", $"http://127.0.0.1:{echoPort}/work?for=8s&heartbeat=1s", completion);
            var silent = await CreateAsync(apiClient, "silent", $"http://127.0.0.1:{echoPort}/work?silent=true", completion);
            var ids = new List<string>();
            for (var i = 0; i < Runs; i++)
            {
                ids.Add(await TriggerAsync(apiClient, working));
            }
            var silentId = await TriggerAsync(apiClient, silent);

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            async Task<long> CountAsync(string sql)
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                return await connection.ExecuteScalarAsync<long>(sql);
            }
            await WaitFor.ConditionAsync(async () => await CountAsync("select count(*) from executions where status = 'running'") == Runs,
                TimeSpan.FromSeconds(30), "every working run to be running", () => Task.FromResult(cluster.Tails()));

            // Mid-run: an executor dies, and the API goes away for two seconds (reports meanwhile are retried by the worker).
            cluster.Executor1.Kill();
            cluster.Api.Kill();
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.Api.Restart();
            await HostProcess.WaitForHealthAsync(apiClient.BaseAddress!, "the API, restarted");

            await WaitFor.ConditionAsync(async () =>
                    await CountAsync("select count(*) from executions where status in ('succeeded', 'dead') and completed_at is not null") == Runs + 1,
                TimeSpan.FromSeconds(60), "every run to end", () => Task.FromResult(cluster.Tails()));

            await using var connection = await dataSource.OpenConnectionAsync();
            var rows = (await connection.QueryAsync<(Guid Id, string Status, int Attempt, string? EndReason)>(
                "select id, status, attempt, end_reason from executions")).ToDictionary(r => r.Id.ToString());
            Assert.All(ids, id => Assert.Equal(("succeeded", 1), (rows[id].Status, rows[id].Attempt)));
            Assert.Equal(("dead", "worker-silent"), (rows[silentId].Status, rows[silentId].EndReason));
            // One outcome per run: exactly one succeeded report recorded per attempt, no run counted twice.
            Assert.Equal(Runs, await connection.ExecuteScalarAsync<long>("select count(*) from execution_attempts where run_status = 'succeeded'"));
            var reports = (await echoClient.GetFromJsonAsync<List<JsonObject>>("/work/reports"))!;
            var finals = reports.Where(r => (string)r["status"]! == "succeeded").GroupBy(r => (string)r["executionId"]!).ToList();
            Assert.Equal(Runs, finals.Count);
            Assert.All(finals, g => Assert.Equal(200, (int)g.Last()["responseStatus"]!));
            output.WriteLine($"{reports.Count} reports; {Runs} runs succeeded across a killed executor and an API restart; the silent one dead as worker-silent");
        }
        catch
        {
            output.WriteLine(cluster.Tails());
            throw;
        }
    }

    private static async Task<string> CreateAsync(HttpClient api, string name, string url, string completion)
    {
        var response = await api.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse($$"""
            { "name": "{{name}}", "manual": true, "maxAttempts": 1, "completion": {{completion}}, "target": { "type": "webhook", "url": "{{url}}" } }
            """));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private static async Task<string> TriggerAsync(HttpClient api, string scheduleId)
    {
        var response = await api.PostAsync($"/api/v1/schedules/{scheduleId}/trigger", null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }
}
