using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Common.Results;
using Scheduler.Testing;
using Scheduler.WaitEcho.Echo;

namespace Scheduler.Bench;

/// <summary>
/// Result tracking through the real API process: how many worker reports it accepts per second (heartbeats, then final
/// reports), and how long from a run's final report to the next action it causes — here the occurrence an overlap policy
/// buffered, delivered at the target (what becomes the step-to-step latency of workflows).
/// </summary>
internal static class ResultsBenchmark
{
    public static async Task<ScenarioResult> RunAsync(int runs, int concurrency, int chained)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var echo = await cluster.StartWaitEchoAsync(chained * 2);
        var api = await cluster.StartApiAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = api };
        http.DefaultRequestHeaders.Add("X-Api-Key", TestSettings.AdminKey);
        var tokens = new ReportToken(TestSettings.Secrets);
        var failures = new List<string>();

        // Part 1: reports on runs in progress (made directly in the database), from many concurrent workers.
        var tracked = await CreateAsync(http, "reported", new Uri(echo, "/echo"), "allow");
        var ids = await InsertRunningAsync(dataSource, tracked, runs);
        Console.WriteLine($"{runs:N0} runs in progress; reporting");
        var heartbeats = await Latencies.MeasureAsync("report running (heartbeat)", runs, concurrency,
            i => ReportAsync(http, tokens, ids[i], """{ "status": "running", "progress": 50 }"""));
        var finals = await Latencies.MeasureAsync("report succeeded (with output)", runs, concurrency,
            i => ReportAsync(http, tokens, ids[i], """{ "status": "succeeded", "output": { "rows": 42 }, "codeVersion": "git:bench" }"""));
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var succeeded = await connection.ExecuteScalarAsync<long>("select count(*) from executions where status = 'succeeded' and schedule_id = @Id", new { Id = tracked });
            if (succeeded != runs)
            {
                failures.Add($"results: {succeeded:N0} of {runs:N0} reported runs ended succeeded");
            }
        }

        // Part 2: a final report releases a buffered occurrence; time until the target receives it (2 executors polling at 1 s).
        cluster.StartExecutor("results-1", api);
        cluster.StartExecutor("results-2", api);
        var chains = new List<(Guid Running, Guid Waiting)>();
        for (var i = 0; i < chained; i++)
        {
            var schedule = await CreateAsync(http, $"chained-{i:D4}", new Uri(echo, "/echo"), "bufferOne");
            chains.Add(await InsertRunningAndWaitingAsync(dataSource, schedule));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        var sentAt = new Dictionary<Guid, DateTimeOffset>();
        foreach (var (running, waiting) in chains)
        {
            sentAt[waiting] = DateTimeOffset.UtcNow;
            await ReportAsync(http, tokens, running, """{ "status": "succeeded" }""");
            // Spread out, as independent runs end: each one's latency is its own, not a queue's.
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
        using var echoHttp = new HttpClient { BaseAddress = echo };
        var deadline = Stopwatch.StartNew();
        List<ReceivedTrigger> received = [];
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            received = (await echoHttp.GetFromJsonAsync<List<ReceivedTrigger>>("/received?limit=1000000"))!;
            if (chains.All(c => received.Any(r => r.ExecutionId == c.Waiting.ToString())))
            {
                break;
            }
            await Task.Delay(200);
        }
        var latencies = chains.Select(c => received.FirstOrDefault(r => r.ExecutionId == c.Waiting.ToString()) is { } r ? (r.ReceivedAt - sentAt[c.Waiting]).TotalMilliseconds : double.NaN)
            .Where(ms => !double.IsNaN(ms)).Order().ToList();
        if (latencies.Count != chained)
        {
            failures.Add($"results: {latencies.Count} of {chained} buffered occurrences reached the target");
        }
        double At(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * p))];
        var table = TriggerBenchmarks.Table($"Result tracking: {runs:N0} reports of each kind from {concurrency} concurrent workers (real HTTP to the API process)",
            ("heartbeats accepted", $"{heartbeats.PerSecond:N0}/s (p50 {heartbeats.P50:0.0} ms, p99 {heartbeats.P99:0.0} ms)"),
            ("final reports accepted", $"{finals.PerSecond:N0}/s (p50 {finals.P50:0.0} ms, p99 {finals.P99:0.0} ms)"),
            ($"final report → buffered occurrence at the target ({latencies.Count} chains, p50 / p95 / p99 / max)",
                $"{At(0.5):0} / {At(0.95):0} / {At(0.99):0} / {(latencies.Count == 0 ? double.NaN : latencies[^1]):0} ms"));
        return new(table, finals.PerSecond, failures);
    }

    private static async Task<Guid> CreateAsync(HttpClient http, string name, Uri target, string overlap)
    {
        var response = await http.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse($$"""
            { "name": "{{name}}", "manual": true, "completion": { "runTimeout": "1h", "overlap": "{{overlap}}" },
              "target": { "type": "webhook", "url": "{{target}}" } }
            """));
        response.EnsureSuccessStatusCode();
        return Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
    }

    private static async Task ReportAsync(HttpClient http, ReportToken tokens, Guid id, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/executions/{id}/attempts/1/report")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.For(id));
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"report on {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private const string InsertRun =
        """
        insert into executions (id, schedule_id, tenant, schedule_name, scheduled_for, origin, status, attempt, max_attempts, target,
                                created_at, first_attempt_at, completion, delivered_at, run_deadline, next_attempt_at)
        select gen_random_uuid(), s.id, s.tenant, s.name, now() - n * interval '1 ms' - @Offset * interval '1 s', 'manual', @Status,
               case when @Status = 'running' then 1 else 0 end, 3, s.target, now(), now(), s.completion,
               case when @Status = 'running' then now() end, case when @Status = 'running' then now() + interval '1 hour' end, null
        from schedules s cross join generate_series(1, @Count) n
        where s.id = @Id
        returning id
        """;

    private static async Task<List<Guid>> InsertRunningAsync(NpgsqlDataSource dataSource, Guid schedule, int count)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>(InsertRun, new { Id = schedule, Count = count, Status = "running", Offset = 0 })).AsList();
    }

    private static async Task<(Guid Running, Guid Waiting)> InsertRunningAndWaitingAsync(NpgsqlDataSource dataSource, Guid schedule)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var running = await connection.QuerySingleAsync<Guid>(InsertRun, new { Id = schedule, Count = 1, Status = "running", Offset = 10 });
        var waiting = await connection.QuerySingleAsync<Guid>(InsertRun, new { Id = schedule, Count = 1, Status = "waiting", Offset = 5 });
        return (running, waiting);
    }
}
