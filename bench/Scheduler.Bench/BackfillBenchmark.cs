using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Scheduler.WaitEcho.Echo;

namespace Scheduler.Bench;

/// <summary>
/// A large backfill beside live load, through the real processes: a per-minute schedule backfilled over <c>runs</c> minutes
/// of history (tracked runs, WaitEcho working 100 ms on each and reporting), while <c>live</c> one-shots a second fire at
/// WaitEcho's echo. The figures: how long creating the backfill takes, how fast it drains and how many of its runs were ever
/// unfinished at once (never more than maxActiveRuns), and the live triggers' lateness before and during it.
/// </summary>
internal static class BackfillBenchmark
{
    public static async Task<ScenarioResult> RunAsync(int runs, int maxActiveRuns, int live, int executors)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        const int liveSeconds = 100;
        var echo = await cluster.StartWaitEchoAsync(runs + live * liveSeconds);
        var api = await cluster.StartApiAsync();
        for (var i = 1; i <= executors; i++)
        {
            cluster.StartExecutor($"backfill-{i}", api);
        }
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Add("X-Api-Key", TestSettings.AdminKey);
        var failures = new List<string>();

        var created = await http.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse($$$"""
            { "name": "per-minute", "cron": "0 * * * * *", "completion": { "runTimeout": "PT5M" },
              "target": { "type": "webhook", "url": "{{{new Uri(echo, "/work?for=100ms")}}}", "body": { "from": "{{ interval.start }}", "to": "{{ interval.end }}" } } }
            """));
        created.EnsureSuccessStatusCode();
        var schedule = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        // Live load: one-shots at a steady rate for the whole measurement, starting after a baseline lead.
        var liveStart = DateTimeOffset.UtcNow.AddSeconds(15);
        await ScheduleLoader.LoadOneShotsAsync(dataSource, live * liveSeconds, i => liveStart.AddSeconds((double)i / live), new Uri(echo, "/echo").ToString(), "live");
        var backfillAt = liveStart.AddSeconds(30);
        await Task.Delay(backfillAt - DateTimeOffset.UtcNow);

        var end = DateTimeOffset.UtcNow;
        end = new DateTimeOffset(end.Year, end.Month, end.Day, end.Hour, end.Minute, 0, TimeSpan.Zero).AddMinutes(-1);
        var clock = Stopwatch.StartNew();
        var response = await http.PostAsJsonAsync($"/api/v1/schedules/{schedule}/backfills", new
        {
            start = end.AddMinutes(-runs).ToString("O"), end = end.ToString("O"), batch = "occurrence", maxActiveRuns,
        });
        var creation = clock.Elapsed;
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating the backfill: {(int)response.StatusCode} {body}");
        }
        var backfill = JsonNode.Parse(body)!;
        var id = (string)backfill["id"]!;
        var total = (int)backfill["progress"]!["total"]!;
        var drainStartedAt = DateTimeOffset.UtcNow;

        var peak = 0;
        var samples = new List<int>();
        var drain = Stopwatch.StartNew();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            while (drain.Elapsed < TimeSpan.FromMinutes(15))
            {
                var (status, active) = await connection.QuerySingleAsync<(string, int)>(
                    "select b.status, (select count(*)::int from executions x where x.backfill_id = b.id and x.status in " +
                    "('pending', 'delivering', 'delivered', 'running', 'failed', 'cancelling', 'waiting')) from backfills b where b.id = @Id", new { Id = Guid.Parse(id) });
                peak = Math.Max(peak, active);
                samples.Add(active);
                if (status == "completed")
                {
                    break;
                }
                await Task.Delay(100);
            }
        }
        var drained = drain.Elapsed;
        var drainEndedAt = DateTimeOffset.UtcNow;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var succeeded = await connection.ExecuteScalarAsync<long>("select count(*) from executions where backfill_id is not null and status = 'succeeded'");
            if (succeeded != total || total != runs)
            {
                failures.Add($"backfill: {succeeded:N0} of {total:N0} runs succeeded ({runs:N0} asked for)");
            }
        }
        if (peak > maxActiveRuns)
        {
            failures.Add($"backfill: {peak} runs were unfinished at once, over maxActiveRuns {maxActiveRuns}");
        }
        // Let the live load finish, then split its lateness by whether the backfill was draining when each was due.
        await Task.Delay(liveStart.AddSeconds(liveSeconds + 5) - DateTimeOffset.UtcNow is var rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero);
        using var echoHttp = new HttpClient { BaseAddress = echo };
        var received = (await echoHttp.GetFromJsonAsync<List<ReceivedTrigger>>("/received?limit=10000000"))!;
        var liveTriggers = received.Where(r => r.ScheduleId != schedule && r.LatenessMs is not null).ToList();
        var before = liveTriggers.Where(r => r.ScheduledFor < backfillAt).Select(r => r.LatenessMs!.Value).Order().ToList();
        var during = liveTriggers.Where(r => r.ScheduledFor >= drainStartedAt && r.ScheduledFor <= drainEndedAt).Select(r => r.LatenessMs!.Value).Order().ToList();
        if (liveTriggers.Select(r => r.ExecutionId).Distinct().Count() != live * liveSeconds || liveTriggers.Any(r => r.LatenessMs < 0))
        {
            failures.Add($"live: {liveTriggers.Select(r => r.ExecutionId).Distinct().Count():N0} of {live * liveSeconds:N0} arrived, {liveTriggers.Count(r => r.LatenessMs < 0)} early");
        }
        static double At(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
        static string Spread(List<double> sorted) => $"{At(sorted, 0.5):0.0} / {At(sorted, 0.95):0.0} / {At(sorted, 0.99):0.0} ms ({sorted.Count:N0})";
        var table = TriggerBenchmarks.Table(
            $"Backfill: a per-minute schedule over {runs:N0} minutes of history, maxActiveRuns {maxActiveRuns}, tracked runs of 100 ms at WaitEcho, " +
            $"beside {live:N0} live one-shots/s, {executors} executors",
            ("creating it (POST …/backfills: plan, idempotency check, store, first runs)", $"{total:N0} runs in {creation.TotalSeconds:0.00} s"),
            ("drained in", $"{drained.TotalSeconds:0.0} s ({total / drained.TotalSeconds:N0} runs/s)"),
            ("its runs unfinished at once: peak / mean of samples", $"{peak} / {(samples.Count == 0 ? 0 : samples.Average()):0.0} (maxActiveRuns {maxActiveRuns})"),
            ("live lateness before it p50 / p95 / p99", Spread(before)),
            ("live lateness while it drained p50 / p95 / p99", Spread(during)));
        return new(table, total / drained.TotalSeconds, failures);
    }
}
