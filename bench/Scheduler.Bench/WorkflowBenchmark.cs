using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Scheduler.WaitEcho.Echo;
using Scheduler.WaitEcho.Work;

namespace Scheduler.Bench;

/// <summary>
/// Workflows through the real processes: many concurrent runs of a chain of steps, WaitEcho as the workers (each step
/// works a while — 2 s by default — so that every run is in progress at once, and reports success). The figure is the step-to-step latency: from a worker's final report of one step to the
/// next step's trigger arriving at its worker — the report's transaction creating the step, the executors' wake-up and
/// claim, the delivery.
/// </summary>
internal static class WorkflowBenchmark
{
    /// <param name="work">How long each step works before its worker reports success.</param>
    public static async Task<ScenarioResult> RunAsync(int runs, int steps, int executors, string work)
    {
        await using var cluster = await LocalCluster.StartAsync();
        var echo = await cluster.StartWaitEchoAsync(runs * steps * 2);
        var api = await cluster.StartApiAsync();
        for (var i = 1; i <= executors; i++)
        {
            cluster.StartExecutor($"workflows-{i}", api);
        }
        using var http = new HttpClient { BaseAddress = api };
        http.DefaultRequestHeaders.Add("X-Api-Key", TestSettings.AdminKey);
        var failures = new List<string>();
        var chain = string.Join(",", Enumerable.Range(1, steps).Select(i => $$"""
            { "id": "s{{i}}", "dependsOn": [{{(i == 1 ? "" : $"\"s{i - 1}\"")}}], "target": { "type": "webhook", "url": "{{new Uri(echo, $"/work?for={work}")}}" } }
            """));
        var created = await http.PostAsJsonAsync("/api/v1/workflows", JsonNode.Parse($$"""{ "name": "chain", "maxActiveRuns": {{runs}}, "steps": [{{chain}}] }"""));
        created.EnsureSuccessStatusCode();
        var workflow = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Task.Delay(TimeSpan.FromSeconds(2));

        Console.WriteLine($"starting {runs:N0} runs of a {steps}-step chain");
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, runs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            using var response = await http.PostAsync($"/api/v1/workflows/{workflow}/runs", null, ct);
            response.EnsureSuccessStatusCode();
        });
        var started = clock.Elapsed;
        var allStartedAt = DateTimeOffset.UtcNow;
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        while (clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            if (await connection.ExecuteScalarAsync<long>("select count(*) from workflow_runs where status in ('queued', 'running')") == 0)
            {
                break;
            }
            await Task.Delay(250);
        }
        var elapsed = clock.Elapsed;

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var succeeded = await connection.ExecuteScalarAsync<long>("select count(*) from workflow_runs where status = 'succeeded'");
            var executions = await connection.ExecuteScalarAsync<long>("select count(*) from executions where workflow_run_id is not null");
            if (succeeded != runs || executions != (long)runs * steps)
            {
                failures.Add($"workflows: {succeeded:N0} of {runs:N0} runs succeeded with {executions:N0} step executions (expected {runs * steps:N0})");
            }
        }
        using var echoHttp = new HttpClient { BaseAddress = echo };
        var received = (await echoHttp.GetFromJsonAsync<List<ReceivedTrigger>>("/received?limit=10000000"))!
            .Where(t => t.Headers.ContainsKey("scheduleman-step-id")).ToList();
        var reports = (await echoHttp.GetFromJsonAsync<List<SentReport>>("/work/reports"))!
            .Where(r => r.Status == "succeeded").GroupBy(r => r.ExecutionId).ToDictionary(g => g.Key, g => g.First().StartedAt);
        // Each step's trigger, by run and step; the latency of step k is its arrival minus the final report of step k-1.
        var byRunAndStep = received.GroupBy(t => (Run: t.Headers["scheduleman-workflow-run-id"], Step: t.Headers["scheduleman-step-id"]))
            .ToDictionary(g => g.Key, g => g.OrderBy(t => t.ReceivedAt).First());
        var latencies = new List<double>();
        // Apart: while the runs were still being started (the API busy with a thousand starts), and after.
        var afterStarts = new List<double>();
        foreach (var ((run, step), trigger) in byRunAndStep)
        {
            var k = int.Parse(step[1..], System.Globalization.CultureInfo.InvariantCulture);
            if (k > 1 && byRunAndStep.TryGetValue((run, $"s{k - 1}"), out var previous) && reports.TryGetValue(previous.ExecutionId!, out var reportedAt))
            {
                latencies.Add((trigger.ReceivedAt - reportedAt).TotalMilliseconds);
                if (reportedAt > allStartedAt)
                {
                    afterStarts.Add((trigger.ReceivedAt - reportedAt).TotalMilliseconds);
                }
            }
        }
        latencies.Sort();
        afterStarts.Sort();
        var expected = runs * (steps - 1);
        if (latencies.Count != expected)
        {
            failures.Add($"workflows: {latencies.Count:N0} of {expected:N0} step-to-step transitions measured");
        }
        static double At(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
        static string Spread(List<double> sorted) =>
            $"{At(sorted, 0.5):0} / {At(sorted, 0.95):0} / {At(sorted, 0.99):0} / {(sorted.Count == 0 ? double.NaN : sorted[^1]):0} ms";
        var p99 = At(afterStarts, 0.99);
        if (p99 > 250)
        {
            failures.Add($"workflows: step-to-step p99 once the runs were started, {p99:0} ms, is over the 250 ms aim");
        }
        var table = TriggerBenchmarks.Table(
            $"Workflows: {runs:N0} concurrent runs of a {steps}-step chain, {work} of work per step, {executors} executors, WaitEcho as the workers (real HTTP both ways)",
            ("runs started (POST …/runs, 8 clients)", $"{runs:N0} in {started.TotalSeconds:0.0} s"),
            ("all runs finished after", $"{elapsed.TotalSeconds:0.0} s ({(double)runs * steps / elapsed.TotalSeconds:N0} steps/s)"),
            ($"step-to-step: final report → next step's trigger at its worker, all ({latencies.Count:N0}, p50 / p95 / p99 / max)", Spread(latencies)),
            ($"… once every run had started ({afterStarts.Count:N0})", Spread(afterStarts)));
        return new(table, (double)runs * steps / elapsed.TotalSeconds, failures);
    }
}
