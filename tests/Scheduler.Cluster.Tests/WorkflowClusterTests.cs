using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Xunit.Abstractions;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// Workflows with the built processes: WaitEcho as the workers, the API, two executors. Runs of a fan-out and fan-in are
/// in flight when an executor is killed (SIGKILL): every run completes, every step ran once (a delivery the dead executor
/// held is at most repeated as another attempt of the same execution), and no step was created twice.
/// </summary>
[Collection(Processes.Collection)]
public class WorkflowClusterTests(ITestOutputHelper output)
{
    private const int Runs = 6;
    private const int Branches = 12;

    [Fact]
    public async Task Runs_in_flight_complete_across_a_killed_executor_with_no_step_lost_or_doubled()
    {
        await using var cluster = await WorkerCluster.StartAsync();
        var (connectionString, echoPort, apiClient, echoClient) = (cluster.ConnectionString, cluster.EchoPort, cluster.ApiClient, cluster.EchoClient);
        try
        {
            string Step(string id, string dependsOn, string work) => $$"""
                { "id": "{{id}}", "dependsOn": [{{dependsOn}}], "completion": { "runTimeout": "1m", "heartbeatTimeout": "15s" },
                  "target": { "type": "webhook", "url": "http://127.0.0.1:{{echoPort}}/work?{{work}}" } }
                """;
            var branches = Enumerable.Range(1, Branches).Select(i => Step($"b{i}", "\"split\"", "for=3s&heartbeat=1s")).ToList();
            var merge = Step("merge", string.Join(", ", Enumerable.Range(1, Branches).Select(i => $"\"b{i}\"")), "for=500ms");
            var created = await apiClient.PostAsJsonAsync("/api/v1/workflows", JsonNode.Parse($$"""
                { "name": "fan", "maxActiveRuns": {{Runs}}, "steps": [ {{Step("split", "", "for=200ms")}}, {{string.Join(",", branches)}}, {{merge}} ] }
                """));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            var workflowId = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            for (var i = 0; i < Runs; i++)
            {
                var started = await apiClient.PostAsync($"/api/v1/workflows/{workflowId}/runs", null);
                Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            async Task<long> CountAsync(string sql)
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                return await connection.ExecuteScalarAsync<long>(sql);
            }
            // Mid-run: the branches are running (some delivered by each executor) when one executor dies.
            await WaitFor.ConditionAsync(async () => await CountAsync("select count(*) from executions where status = 'running'") >= Runs * Branches / 2,
                TimeSpan.FromSeconds(30), "the branches to be running", () => Task.FromResult(cluster.Tails()));
            cluster.Executor1.Kill();

            await WaitFor.ConditionAsync(async () => await CountAsync("select count(*) from workflow_runs where status <> 'running'") == Runs,
                TimeSpan.FromSeconds(90), "every run to finish", () => Task.FromResult(cluster.Tails()));

            await using var connection = await dataSource.OpenConnectionAsync();
            Assert.Equal(Runs, await connection.ExecuteScalarAsync<long>("select count(*) from workflow_runs where status = 'succeeded'"));
            // Every step of every run exists exactly once and succeeded.
            var steps = (await connection.QueryAsync<(Guid Run, string Step, long Count, string Status)>(
                "select workflow_run_id, step_id, count(*), min(status) from executions group by 1, 2")).AsList();
            Assert.Equal(Runs * (Branches + 2), steps.Count);
            Assert.All(steps, s => Assert.Equal((1, "succeeded"), (s.Count, s.Status)));
            // The merge of each run was delivered after every branch of it had ended (one machine, one clock; completed_at is
            // when a report was applied, which is before it committed, which is before the merge could exist).
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("""
                select count(*) from executions m join executions b on b.workflow_run_id = m.workflow_run_id and b.step_id like 'b%'
                where m.step_id = 'merge' and m.first_attempt_at < b.completed_at
                """));
            // The executor that died had delivered steps of these runs (their workers finished them without it).
            var byKilled = await connection.ExecuteScalarAsync<long>("select count(*) from execution_attempts where executor_id = 'executor-1'");
            Assert.True(byKilled > 0, "executor-1 delivered nothing before it was killed");
            var received = (await echoClient.GetFromJsonAsync<List<JsonObject>>("/received"))!;
            var executions = received.Select(r => (string?)r["executionId"]).Distinct().Count();
            Assert.Equal(Runs * (Branches + 2), executions);
            var repeated = received.Count - executions;
            output.WriteLine($"{Runs} runs of {Branches + 2} steps completed across a killed executor (which had delivered {byKilled}); {repeated} deliveries repeated as further attempts of the same execution");
        }
        catch
        {
            output.WriteLine(cluster.Tails());
            throw;
        }
    }
}
