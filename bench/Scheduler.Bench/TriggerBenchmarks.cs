using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Executions;

namespace Scheduler.Bench;

/// <summary>The trigger path's scenarios: burst, steady, idle cost, and the database's own ceiling.</summary>
internal static class TriggerBenchmarks
{
    private sealed record Summary(int Count, int DistinctExecutions, int Early, double? P50, double? P95, double? P99, double? Max);

    /// <summary>N one-shots due at one instant, fired by the executors at WaitEcho: fired, acknowledged and recorded per second.</summary>
    public static async Task<string> BurstAsync(int count, int executors)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var echo = await cluster.StartWaitEchoAsync();
        await ScheduleLoader.LoadOneShotsAsync(dataSource, count, _ => DateTimeOffset.UtcNow.AddHours(1), new Uri(echo, "/echo").ToString(), "burst");
        var processes = Enumerable.Range(1, executors).Select(i => cluster.StartExecutor($"executor-{i}")).ToList();
        await Task.Delay(TimeSpan.FromSeconds(5));

        var due = await MoveAllToAsync(dataSource, DateTimeOffset.UtcNow.AddSeconds(3));
        await Task.Delay(due - DateTimeOffset.UtcNow);
        await using var stats = new ProcessStats(processes);
        var clock = Stopwatch.StartNew();
        await WaitAsync(dataSource, count, TimeSpan.FromMinutes(10));
        var drain = clock.Elapsed;
        var summary = await SummaryAsync(echo);
        var resources = stats.Read();
        return Table($"Burst: {count:N0} one-shots due at one instant, {executors} executors, webhook to WaitEcho",
            ("triggers fired, acknowledged and recorded", $"{count:N0}"),
            ("time to drain (from the due instant)", $"{drain.TotalSeconds:0.00} s"),
            ("end-to-end throughput", $"{count / drain.TotalSeconds:N0} triggers/s"),
            ("deliveries at WaitEcho / distinct executions / early", $"{summary.Count:N0} / {summary.DistinctExecutions:N0} / {summary.Early}"),
            ("lateness at WaitEcho p50 / p99 / max", $"{summary.P50:0} / {summary.P99:0} / {summary.Max:0} ms"),
            ("executor CPU (cores) / peak RSS", string.Join(", ", resources.Select(r => $"{r.CoreShare:0.00} / {r.PeakRssMiB:0} MiB"))));
    }

    /// <summary>A steady stream: one-shots spread evenly at <paramref name="rate"/> per second for <paramref name="seconds"/>.</summary>
    public static async Task<string> SteadyAsync(int rate, int seconds, int executors)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var echo = await cluster.StartWaitEchoAsync();
        var count = rate * seconds;
        var start = DateTimeOffset.UtcNow.AddSeconds(20);
        await ScheduleLoader.LoadOneShotsAsync(dataSource, count, i => start.AddSeconds((double)i / rate), new Uri(echo, "/echo").ToString(), "steady");
        var processes = Enumerable.Range(1, executors).Select(i => cluster.StartExecutor($"executor-{i}")).ToList();
        await Task.Delay(start - DateTimeOffset.UtcNow);
        await using var stats = new ProcessStats(processes);
        await WaitAsync(dataSource, count, TimeSpan.FromSeconds(seconds + 120));
        var resources = stats.Read();
        var summary = await SummaryAsync(echo);
        return Table($"Steady: {rate:N0} triggers/s spread evenly over {seconds} s ({count:N0} one-shots), {executors} executors",
            ("deliveries / distinct executions", $"{summary.Count:N0} / {summary.DistinctExecutions:N0}"),
            ("early", $"{summary.Early}"),
            ("lateness at WaitEcho p50 / p95 / p99 / max", $"{summary.P50:0.0} / {summary.P95:0.0} / {summary.P99:0.0} / {summary.Max:0.0} ms"),
            ("executor CPU (cores) / peak RSS", string.Join(", ", resources.Select(r => $"{r.CoreShare:0.00} / {r.PeakRssMiB:0} MiB"))));
    }

    /// <summary>Many schedules due far in the future: what one poll costs, and what an idle executor burns.</summary>
    public static async Task<string> IdleAsync(int count)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var far = DateTimeOffset.UtcNow.AddDays(30);
        await ScheduleLoader.LoadOneShotsAsync(dataSource, count, i => far.AddSeconds(i), "http://127.0.0.1:9/echo", "idle");
        var store = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);
        var polls = await Latencies.MeasureAsync($"one poll (claim) with {count:N0} future schedules", 1_000, 1, async _ =>
        {
            var claimed = await store.ClaimAsync(new ClaimRequest("bench", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(2), 500,
                TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)), CancellationToken.None);
            if (claimed.Count != 0)
            {
                throw new InvalidOperationException("nothing should be due");
            }
        });
        var executor = cluster.StartExecutor("idle");
        await Task.Delay(TimeSpan.FromSeconds(10));
        await using var stats = new ProcessStats([executor]);
        await Task.Delay(TimeSpan.FromSeconds(30));
        var (cpu, rss) = stats.Read()[0];
        return Table($"Idle cost: {count:N0} schedules due in 30+ days",
            ("one poll (claim transaction) p50 / p99 / max", $"{polls.P50:0.00} / {polls.P99:0.00} / {polls.Max:0.00} ms"),
            ("idle executor CPU over 30 s (default 1 s poll)", $"{cpu * 100:0.00} % of a core"),
            ("idle executor RSS", $"{rss:0} MiB"));
    }

    /// <summary>The database work alone (claim, then record the outcome), driven as hard as it goes: the ceiling for the end-to-end rate.</summary>
    public static async Task<(string Table, double PerSecond)> CeilingAsync(int count, int workers)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var due = DateTimeOffset.UtcNow.AddSeconds(-1);
        await ScheduleLoader.LoadOneShotsAsync(dataSource, count, _ => due, "http://127.0.0.1:9/echo", "ceiling");
        var store = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);
        var clock = Stopwatch.StartNew();
        var done = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            while (true)
            {
                var now = DateTimeOffset.UtcNow;
                var claimed = await store.ClaimAsync(new ClaimRequest($"worker-{w}", now, TimeSpan.Zero, 500, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)), CancellationToken.None);
                if (claimed.Count == 0)
                {
                    return;
                }
                await store.RecordAsync($"worker-{w}", now, claimed.Select(c => new AttemptOutcome(c.Id, c.Attempt, AttemptResult.Succeeded, now, TimeSpan.FromMilliseconds(1), 200, null, null, false)).ToList(), CancellationToken.None);
                Interlocked.Add(ref done, claimed.Count);
            }
        }));
        var perSecond = done / clock.Elapsed.TotalSeconds;
        return (Table($"Ceiling: the SQL alone (claim + record, batches of 500, {workers} workers), {count:N0} due one-shots",
            ("triggers claimed and recorded", $"{done:N0}"),
            ("rate", $"{perSecond:N0} triggers/s")), perSecond);
    }

    private static async Task<DateTimeOffset> MoveAllToAsync(NpgsqlDataSource dataSource, DateTimeOffset at)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("update schedules set run_at = @At, next_fire_at = @At", new { At = at }, commandTimeout: 300);
        return at;
    }

    private static async Task WaitAsync(NpgsqlDataSource dataSource, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        await using var connection = await dataSource.OpenConnectionAsync();
        while (await connection.ExecuteScalarAsync<long>("select count(*) from executions where status = 'succeeded'") < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not all {count} triggers were recorded within {timeout}");
            }
            await Task.Delay(100);
        }
    }

    private static async Task<Summary> SummaryAsync(Uri echo)
    {
        using var http = new HttpClient { BaseAddress = echo };
        return (await http.GetFromJsonAsync<Summary>("/received/summary"))!;
    }

    private static string Table(string title, params (string Figure, string Value)[] rows) =>
        $"{title}\n\n| figure | result |\n|---|---|\n" + string.Join('\n', rows.Select(r => $"| {r.Figure} | {r.Value} |")) + "\n";
}
