using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Executions;

namespace Scheduler.Bench;

/// <summary>
/// The retention soak: a steady stream for minutes with a short retention window. The history must stay bounded (rows,
/// bytes, dead tuples) while the claim's cost and the lateness stay where they were.
/// </summary>
internal static class RetentionBenchmark
{
    private sealed record Sample(TimeSpan At, long Executions, long Attempts, double MiB, long DeadTuples, double ClaimP99, double? LatenessP99, long Delivered);

    public static async Task<ScenarioResult> SoakAsync(int rate, int seconds, TimeSpan window, int executors)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var count = rate * seconds;
        var echo = await cluster.StartWaitEchoAsync(count);
        await ScheduleLoader.LoadOneShotsAsync(dataSource, count, i => TriggerBenchmarks.Parked.AddSeconds((double)i / rate), new Uri(echo, "/echo").ToString(), "soak");
        var settings = new Dictionary<string, string>
        {
            ["Retention__Window"] = window.ToString("c"), ["Retention__DeadLetterWindow"] = window.ToString("c"), ["Retention__Interval"] = "00:00:05",
        };
        var processes = Enumerable.Range(1, executors).Select(i => cluster.StartExecutor($"executor-{i}", settings: settings)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(5));

        var start = await TriggerBenchmarks.UnparkAsync(dataSource, TimeSpan.FromSeconds(3));
        await TriggerBenchmarks.DelayUntilAsync(start);
        await using var stats = new ProcessStats(processes);
        var store = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        double? bytesPerExecution = null, rowBytes = null, targetBytes = null;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(30));
            await using var connection = await dataSource.OpenConnectionAsync();
            var executions = await connection.ExecuteScalarAsync<long>("select count(*) from executions");
            var attempts = await connection.ExecuteScalarAsync<long>("select count(*) from execution_attempts");
            var bytes = await connection.ExecuteScalarAsync<long>("select pg_total_relation_size('executions') + pg_total_relation_size('execution_attempts')");
            var dead = await connection.ExecuteScalarAsync<long>(
                "select coalesce(sum(n_dead_tup), 0) from pg_stat_user_tables where relname in ('executions', 'execution_attempts', 'schedules')");
            var lateness = await connection.ExecuteScalarAsync<double?>(
                """
                select percentile_cont(0.99) within group (order by extract(epoch from a.started_at - e.scheduled_for) * 1000)
                from execution_attempts a join executions e on e.id = a.execution_id
                where a.attempt = 1 and a.started_at > now() - interval '30 seconds'
                """);
            if (clock.Elapsed < window && executions > 0)
            {
                // Before the first deletion: what one execution (with its attempt and its share of the indexes) costs on disk.
                bytesPerExecution = (double)bytes / executions;
                rowBytes = await connection.ExecuteScalarAsync<double>(
                    "select avg(pg_column_size(e.*)) + (select avg(pg_column_size(a.*)) from execution_attempts a) from executions e");
                targetBytes = await connection.ExecuteScalarAsync<double>("select avg(pg_column_size(target)) from executions");
            }
            // The claim's cost now: a poll for an hour ago finds nothing due, but walks the same indexes the executors' polls do.
            var probe = await Latencies.MeasureAsync("claim probe", 50, 1, async _ =>
                await store.ClaimAsync(new ClaimRequest("probe", DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.Zero, 500, TimeSpan.FromSeconds(10),
                    TimeSpan.FromSeconds(5)), CancellationToken.None));
            var delivered = (await TriggerBenchmarks.SummaryAsync(echo)).DistinctExecutions;
            samples.Add(new Sample(clock.Elapsed, executions, attempts, bytes / 1048576.0, dead, probe.P99, lateness, delivered));
            await Console.Error.WriteLineAsync($"soak {clock.Elapsed:mm\\:ss}: {executions:N0} executions, {attempts:N0} attempts, {bytes / 1048576.0:0.0} MiB, " +
                $"{dead:N0} dead tuples, claim p99 {probe.P99:0.00} ms, lateness p99 {lateness:0.0} ms, {delivered:N0} delivered");
            if (delivered >= count || clock.Elapsed > TimeSpan.FromSeconds(seconds + 180))
            {
                break;
            }
        }
        var resources = stats.Read();
        var summary = await TriggerBenchmarks.SummaryAsync(echo);
        var table = $"Retention soak: {rate:N0} triggers/s for {seconds} s ({count:N0} one-shots), {executors} executors, retention window {window.TotalMinutes:0} min\n\n" +
            "| at | executions | attempts | executions + attempts on disk | dead tuples | claim probe p99 | lateness p99 (last 30 s) | delivered |\n" +
            "|---|---|---|---|---|---|---|---|\n" +
            string.Join('\n', samples.Select(s => $"| {s.At:mm\\:ss} | {s.Executions:N0} | {s.Attempts:N0} | {s.MiB:0.0} MiB | {s.DeadTuples:N0} | " +
                $"{s.ClaimP99:0.00} ms | {s.LatenessP99:0.0} ms | {s.Delivered:N0} |")) + "\n\n" +
            TriggerBenchmarks.Table("Totals",
                ("deliveries / distinct executions / early", $"{summary.Count:N0} / {summary.DistinctExecutions:N0} / {summary.Early}"),
                ("lateness at WaitEcho p50 / p99 / max", $"{summary.P50:0.0} / {summary.P99:0.0} / {summary.Max:0.0} ms"),
                ("one execution on disk (with its attempt and index entries), before any deletion", $"{bytesPerExecution:0} bytes"),
                ("of which the rows themselves (execution + attempt) / the copied target", $"{rowBytes:0} / {targetBytes:0} bytes"),
                ("executor CPU (cores) / peak RSS", string.Join(", ", resources.Select(r => $"{r.CoreShare:0.00} / {r.PeakRssMiB:0} MiB"))));
        return new(table, rate, TriggerBenchmarks.Check(summary, count));
    }
}
