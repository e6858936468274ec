using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Executions;
using Scheduler.Testing;

namespace Scheduler.Bench;

/// <summary>The trigger path's scenarios: burst, steady, idle cost, and the database's own ceiling.</summary>
internal static class TriggerBenchmarks
{
    internal sealed record Summary(long Received, int Count, int DistinctExecutions, int Early, double? P50, double? P95, double? P99, double? Max);

    /// <summary>Where the load puts every one-shot before a scenario moves them to their real instants: far enough that none fires early.</summary>
    internal static readonly DateTimeOffset Parked = DateTimeOffset.UtcNow.AddDays(1);

    /// <summary>What one burst measured: its drain time, what WaitEcho received, and where the CPU went.</summary>
    internal sealed record BurstRun(int Count, TimeSpan Drain, Summary Summary,
        IReadOnlyList<(double CpuSeconds, double CoreShare, double PeakRssMiB)> Executors, IReadOnlyList<(string Group, double Seconds)> Cpu,
        IReadOnlyList<(string Kind, double Seconds)> PostgresByKind)
    {
        public double Rate => Count / Drain.TotalSeconds;

        public double ExecutorCpuPerTrigger => Executors.Sum(r => r.CpuSeconds) / Count * 1e6;

        public string ExecutorResources => string.Join(", ", Executors.Select(r => $"{r.CoreShare:0.00} / {r.PeakRssMiB:0} MiB"));
    }

    /// <summary>N one-shots due at one instant, fired by the executors at WaitEcho: fired, acknowledged and recorded per second.</summary>
    /// <param name="batchSize">The executors' claim batch size (null: their default).</param>
    public static async Task<ScenarioResult> BurstAsync(int count, int executors, int? batchSize = null)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var echo = await cluster.StartWaitEchoAsync(count);
        var target = ScheduleLoader.WebhookTarget(new Uri(echo, "/echo").ToString());
        var settings = batchSize is { } size ? new Dictionary<string, string> { ["Executor__BatchSize"] = $"{size}" } : null;
        var run = await RunBurstAsync(cluster, dataSource, echo, count, executors, settings, target, "burst");
        var perTrigger = run.Cpu.Sum(b => b.Seconds) / count * 1e6;
        return new(Table($"Burst: {count:N0} one-shots due at one instant, {executors} executors, webhook to WaitEcho",
            ("triggers fired, acknowledged and recorded", $"{count:N0}"),
            ("time to drain (from the due instant)", $"{run.Drain.TotalSeconds:0.00} s"),
            ("end-to-end throughput", $"{run.Rate:N0} triggers/s"),
            ("deliveries at WaitEcho / distinct executions / early", $"{run.Summary.Count:N0} / {run.Summary.DistinctExecutions:N0} / {run.Summary.Early}"),
            ("lateness at WaitEcho p50 / p99 / max", $"{run.Summary.P50:0} / {run.Summary.P99:0} / {run.Summary.Max:0} ms"),
            ("executor CPU (cores) / peak RSS", run.ExecutorResources),
            ("executor CPU per trigger (all executors)", $"{run.ExecutorCpuPerTrigger:0} µs"),
            ("where the drain's CPU went, per trigger", PerTrigger(run.Cpu, count)),
            ("PostgreSQL's, by process", PerTrigger(run.PostgresByKind, count, "0.0")),
            ("the box's cores busy during the drain", $"{run.Cpu.Sum(b => b.Seconds) / run.Drain.TotalSeconds:0.00} of {Environment.ProcessorCount}"),
            ("the rate these costs allow on this box (cores ÷ CPU per trigger)", $"{Environment.ProcessorCount / (perTrigger / 1e6):N0} triggers/s")),
            run.Rate, Check(run.Summary, count));
    }

    private const int WarmUpRounds = 3;

    /// <summary>
    /// The burst itself, once WaitEcho runs: starts the executors, warms them up, loads the <paramref name="count"/> one-shots
    /// due at one instant (<see cref="LoadDueAsync"/>), and measures the drain until every execution succeeded and WaitEcho
    /// has recorded each (a consumer of a broker records a little after the executors recorded the acknowledgement).
    /// </summary>
    /// <remarks>
    /// The warm-up is <see cref="WarmUpRounds"/> small bursts to the same <paramref name="target"/> (each a fortieth of the count,
    /// 1,000 to 5,000), each drained, forgotten by WaitEcho and followed by a quiet moment, before the measured one. An executor
    /// that has run for a while has compiled its hot paths to their final tier; one started seconds ago spends half its CPU in
    /// the JIT during its first bursts (<c>perf</c>: the ".NET Tiered Compilation" thread; <c>dotnet-counters</c>: 1,700
    /// methods recompiled in the first 8 s of a burst after one warm-up round), because the runtime promotes a method in
    /// steps (quick JIT, instrumented, optimized), each after calls counted in a quiet moment. That is a start-up cost, not
    /// a cost per trigger.
    /// </remarks>
    internal static async Task<BurstRun> RunBurstAsync(LocalCluster cluster, NpgsqlDataSource dataSource, Uri echo, int count, int executors,
        IReadOnlyDictionary<string, string>? settings, string target, string prefix)
    {
        var processes = Enumerable.Range(1, executors).Select(i => cluster.StartExecutor($"executor-{i}", settings: settings)).ToList();
        // Time for the executors to start, and for WaitEcho to declare its queue, stream or topic.
        await Task.Delay(TimeSpan.FromSeconds(5));

        var round = Math.Clamp(count / 40, 1_000, 5_000);
        var warmUp = 0;
        for (var i = 1; i <= WarmUpRounds; i++)
        {
            await ScheduleLoader.LoadOneShotsWithTargetAsync(dataSource, round, _ => DateTimeOffset.UtcNow, target, $"warm-up-{i}");
            warmUp += round;
            await WaitForWarmUpAsync(dataSource, warmUp);
            await ForgetReceivedAsync(echo, round);
            await SettleAsync(processes.Select(p => p.ProcessId).Concat(cluster.ProcessIds("waitecho")).ToList());
        }

        var due = await LoadDueAsync(dataSource, count, target, prefix, TimeSpan.FromSeconds(6));
        await DelayUntilAsync(due);
        await using var stats = new ProcessStats(processes);
        var cpu = ExecutorsAndWaitEcho(cluster, processes);
        var clock = Stopwatch.StartNew();
        await WaitAsync(dataSource, warmUp + count, TimeSpan.FromMinutes(10));
        var drain = clock.Elapsed;
        var breakdown = cpu.Stop();
        var resources = stats.Read();
        return new BurstRun(count, drain, await ReceivedAsync(echo, count), resources, breakdown, cpu.PostgresByKind);
    }

    /// <summary>The burst with 1, 2 and 4 executors (default batch), and 2 executors with other claim batch sizes, beside the ceiling.</summary>
    public static async Task<ScenarioResult> ScalingAsync(int count)
    {
        var ceiling = await CeilingAsync(count, 2);
        var rows = new List<(string Setup, ScenarioResult Result)>();
        foreach (var (executors, batch) in new (int, int?)[] { (1, null), (2, null), (4, null), (2, 100), (2, 2000) })
        {
            rows.Add(($"{executors} executor{(executors > 1 ? "s" : "")}, claim batch {batch?.ToString(CultureInfo.InvariantCulture) ?? "500 (default)"}",
                await BurstAsync(count, executors, batch)));
        }
        var table = $"Scaling: the burst of {count:N0} one-shots by executors and claim batch size (ceiling in this run: {ceiling.Rate:N0}/s)\n\n" +
            "| setup | triggers/s | / ceiling |\n|---|---|---|\n" +
            string.Join('\n', rows.Select(r => $"| {r.Setup} | {r.Result.Rate:N0} | {r.Result.Rate / ceiling.Rate:0.00} |")) + "\n";
        return new(table, ceiling.Rate, rows.SelectMany(r => r.Result.Failures).Concat(ceiling.Failures).ToList());
    }

    /// <summary>A steady stream: one-shots spread evenly at <paramref name="rate"/> per second for <paramref name="seconds"/>.</summary>
    public static async Task<ScenarioResult> SteadyAsync(int rate, int seconds, int executors)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var count = rate * seconds;
        var echo = await cluster.StartWaitEchoAsync(count);
        await ScheduleLoader.LoadOneShotsAsync(dataSource, count, i => Parked.AddSeconds((double)i / rate), new Uri(echo, "/echo").ToString(), "steady");
        var processes = Enumerable.Range(1, executors).Select(i => cluster.StartExecutor($"executor-{i}")).ToList();
        await Task.Delay(TimeSpan.FromSeconds(5));

        var start = await UnparkAsync(dataSource, TimeSpan.FromSeconds(3));
        await DelayUntilAsync(start);
        await using var stats = new ProcessStats(processes);
        var cpu = ExecutorsAndWaitEcho(cluster, processes);
        await WaitAsync(dataSource, count, TimeSpan.FromSeconds(seconds + 120));
        var breakdown = cpu.Stop();
        var resources = stats.Read();
        var summary = await SummaryAsync(echo);
        return new(Table($"Steady: {rate:N0} triggers/s spread evenly over {seconds} s ({count:N0} one-shots), {executors} executors",
            ("deliveries / distinct executions", $"{summary.Count:N0} / {summary.DistinctExecutions:N0}"),
            ("early", $"{summary.Early}"),
            ("lateness at WaitEcho p50 / p95 / p99 / max", $"{summary.P50:0.0} / {summary.P95:0.0} / {summary.P99:0.0} / {summary.Max:0.0} ms"),
            ("executor CPU (cores) / peak RSS", string.Join(", ", resources.Select(r => $"{r.CoreShare:0.00} / {r.PeakRssMiB:0} MiB"))),
            ("where the CPU went, per trigger", PerTrigger(breakdown, count))),
            rate, Check(summary, count));
    }

    /// <summary>Many schedules due far in the future: what one poll costs, and what an idle executor burns.</summary>
    public static async Task<ScenarioResult> IdleAsync(int count)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var far = DateTimeOffset.UtcNow.AddDays(30);
        await ScheduleLoader.LoadOneShotsAsync(dataSource, count, i => far.AddSeconds(i), "http://127.0.0.1:9/echo", "idle");
        // A settled table, as schedules that were not all inserted a moment ago are: otherwise autovacuum's first pass over
        // the million new rows runs during the measurement (poll maxima of 30–44 ms, p99 2.9–4.0 ms in two runs).
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("vacuum (analyze) schedules", commandTimeout: 600);
        }
        var store = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);
        async Task PollAsync(int _)
        {
            var claimed = await store.ClaimAsync(new ClaimRequest("bench", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(2), 500,
                TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)), CancellationToken.None);
            if (claimed.Executions.Count != 0)
            {
                throw new InvalidOperationException("nothing should be due");
            }
        }
        // The first polls compile the client's code; measure the ones after.
        await Latencies.MeasureAsync("warm-up", 100, 1, PollAsync);
        var polls = await Latencies.MeasureAsync($"one poll (claim) with {count:N0} future schedules", 1_000, 1, PollAsync);
        var executor = cluster.StartExecutor("idle");
        await Task.Delay(TimeSpan.FromSeconds(10));
        await using var stats = new ProcessStats([executor]);
        await Task.Delay(TimeSpan.FromSeconds(30));
        var (_, cpu, rss) = stats.Read()[0];
        return new(Table($"Idle cost: {count:N0} schedules due in 30+ days",
            ("one poll (claim transaction) p50 / p99 / max", $"{polls.P50:0.00} / {polls.P99:0.00} / {polls.Max:0.00} ms"),
            ("idle executor CPU over 30 s (default 1 s poll)", $"{cpu * 100:0.00} % of a core"),
            ("idle executor RSS", $"{rss:0} MiB")), 0, []);
    }

    /// <summary>The database work alone (claim, then record the outcome), driven as hard as it goes: the ceiling for the end-to-end rate.</summary>
    public static async Task<ScenarioResult> CeilingAsync(int count, int workers)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var due = DateTimeOffset.UtcNow.AddSeconds(-1);
        // The first batches warm the client up (its JIT, as the burst warms its executors) and are not measured.
        var warmUpBatches = Math.Clamp(count / 10_000, 2, 10) * workers;
        await ScheduleLoader.LoadOneShotsAsync(dataSource, warmUpBatches * 500 + count, _ => due, "http://127.0.0.1:9/echo", "ceiling");
        var store = new ExecutionStore(dataSource, NullLogger<ExecutionStore>.Instance);
        await RunAsync(warmUpBatches / workers);
        var cpu = CpuBreakdown.Start(new Dictionary<string, IReadOnlyList<int>> { ["benchmark (the SQL's client)"] = [Environment.ProcessId] });
        var clock = Stopwatch.StartNew();
        var done = await RunAsync(int.MaxValue);

        // Each worker claims batches of 500 and records them, until nothing is left or it has done `batches`.
        async Task<int> RunAsync(int batches)
        {
            var claimedInAll = 0;
            await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
            {
                // As an executor does: after a claim that got all it asked for, the next skips the probe.
                var backlog = false;
                for (var b = 0; b < batches; b++)
                {
                    var now = DateTimeOffset.UtcNow;
                    var claimed = (await store.ClaimAsync(new ClaimRequest($"worker-{w}", now, TimeSpan.Zero, 500, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5),
                        Backlog: backlog), CancellationToken.None)).Executions;
                    backlog = claimed.Count == 500;
                    if (claimed.Count == 0)
                    {
                        return;
                    }
                    await store.RecordAsync($"worker-{w}", now, claimed.Select(c => new AttemptOutcome(c.Id, c.Attempt, AttemptResult.Succeeded, now, TimeSpan.FromMilliseconds(1), 200, null, null, false)).ToList(), CancellationToken.None);
                    Interlocked.Add(ref claimedInAll, claimed.Count);
                }
            }));
            return claimedInAll;
        }
        var perSecond = done / clock.Elapsed.TotalSeconds;
        var breakdown = cpu.Stop();
        return new(Table($"Ceiling: the SQL alone (claim + record, batches of 500, {workers} workers), {count:N0} due one-shots",
            ("triggers claimed and recorded", $"{done:N0}"),
            ("rate", $"{perSecond:N0} triggers/s"),
            ("where the CPU went, per trigger", PerTrigger(breakdown, Math.Max(1, done))),
            ("PostgreSQL's, by process", PerTrigger(cpu.PostgresByKind, Math.Max(1, done), "0.0")),
            ("the box's cores busy", $"{breakdown.Sum(b => b.Seconds) / clock.Elapsed.TotalSeconds:0.00} of {Environment.ProcessorCount}")), perSecond,
            done == count ? [] : [$"ceiling: {done:N0} of {count:N0} one-shots were claimed and recorded"]);
    }

    /// <summary>
    /// Moves every parked one-shot by the same amount, so the first comes due <paramref name="lead"/> after the move
    /// commits. The moved rows become claimable only at commit, so a move that took longer than its lead (a slow day,
    /// a large load) is rolled back and done again with a lead that covers it: the due instant is always ahead.
    /// </summary>
    internal static async Task<DateTimeOffset> UnparkAsync(NpgsqlDataSource dataSource, TimeSpan lead)
    {
        DateTime first;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            first = await connection.ExecuteScalarAsync<DateTime>("select min(next_fire_at) from schedules");
        }
        return await WithinLeadAsync(dataSource, lead, "moving the one-shots to their instants", (connection, transaction, due) =>
            connection.ExecuteAsync("update schedules set run_at = run_at + @Shift, next_fire_at = next_fire_at + @Shift where next_fire_at is not null",
                new { Shift = due - new DateTimeOffset(first, TimeSpan.Zero) }, transaction, commandTimeout: 600));
    }

    /// <summary>
    /// Inserts <paramref name="count"/> one-shots due <paramref name="lead"/> from now, in one transaction (with their
    /// statistics) that commits at least a second before they are due — or is rolled back and done again with a lead that
    /// covers it. The burst's rows are fresh inserts, as the ceiling's are: moving parked rows to their instant with one
    /// update left as many dead row versions and index entries as rows, which the claim's index probes walked and
    /// autovacuum cleaned up inside the measured drain.
    /// </summary>
    internal static Task<DateTimeOffset> LoadDueAsync(NpgsqlDataSource dataSource, int count, string target, string prefix, TimeSpan lead) =>
        WithinLeadAsync(dataSource, lead, "loading the one-shots", async (connection, _, due) =>
        {
            await ScheduleLoader.WriteOneShotsAsync(connection, count, _ => due, target, prefix);
            await ScheduleLoader.AnalyzeAsync(connection);
        });

    /// <summary>
    /// Runs <paramref name="write"/> for rows due <paramref name="lead"/> from now in one transaction, committed only if at
    /// least a second of the lead is left (the rows become claimable at commit); otherwise rolled back and done again with a
    /// lead that covers it, so the due instant is always ahead.
    /// </summary>
    private static async Task<DateTimeOffset> WithinLeadAsync(NpgsqlDataSource dataSource, TimeSpan lead, string what,
        Func<NpgsqlConnection, NpgsqlTransaction, DateTimeOffset, Task> write)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        while (true)
        {
            var clock = Stopwatch.StartNew();
            await using var transaction = await connection.BeginTransactionAsync();
            var due = DateTimeOffset.UtcNow + lead;
            await write(connection, transaction, due);
            if (DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) < due)
            {
                await transaction.CommitAsync();
                return due;
            }
            await transaction.RollbackAsync();
            var longer = clock.Elapsed * 2 + TimeSpan.FromSeconds(2);
            await Console.Error.WriteLineAsync($"{what} took {clock.Elapsed.TotalSeconds:0.0} s, leaving less than " +
                $"1 s of the {lead.TotalSeconds:0.0} s lead; rolled back, again with {longer.TotalSeconds:0.0} s");
            lead = longer;
        }
    }

    internal static Task DelayUntilAsync(DateTimeOffset instant)
    {
        var wait = instant - DateTimeOffset.UtcNow;
        return wait > TimeSpan.Zero ? Task.Delay(wait) : Task.CompletedTask;
    }

    /// <summary>Waits until <paramref name="count"/> executions succeeded; fails early, with the counts per status, when some are dead.</summary>
    /// <remarks>
    /// While work is left it asks only whether any is — a schedule not yet claimed, an execution waiting for an attempt or
    /// being delivered, a dead letter — each one probe of a partial index; it counts by status once, at the end. (Counting every
    /// execution by status each time cost PostgreSQL 33 ms a poll in a 100,000 burst: a quarter of a core taken from what
    /// is measured.)
    /// </remarks>
    internal static async Task WaitAsync(NpgsqlDataSource dataSource, int count, TimeSpan timeout)
    {
        const string Left =
            """
            select exists (select 1 from schedules where next_fire_at is not null)
                or exists (select 1 from executions where status = 'pending')
                or exists (select 1 from executions where status = 'delivering') as Unfinished,
                   exists (select 1 from executions where status = 'dead') as Dead
            """;
        var deadline = DateTime.UtcNow + timeout;
        await using var connection = await dataSource.OpenConnectionAsync();
        while (true)
        {
            var (unfinished, dead) = await connection.QuerySingleAsync<(bool Unfinished, bool Dead)>(Left);
            var timedOut = DateTime.UtcNow > deadline;
            if (!unfinished || dead || timedOut)
            {
                var byStatus = (await connection.QueryAsync<(string Status, long Count)>("select status, count(*) from executions group by status"))
                    .ToDictionary(r => r.Status, r => r.Count);
                var succeeded = byStatus.GetValueOrDefault("succeeded");
                if (succeeded >= count)
                {
                    return;
                }
                var settled = succeeded + byStatus.GetValueOrDefault("dead");
                if (settled >= count || timedOut)
                {
                    var counts = string.Join(", ", byStatus.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:N0}"));
                    throw new InvalidOperationException($"{succeeded:N0} of {count:N0} triggers succeeded " +
                        $"{(settled >= count ? "and the rest are dead" : $"within {timeout}")}; executions: {(counts.Length == 0 ? "none" : counts)}");
                }
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Every trigger arrived exactly once and none early: the checks each trigger scenario must pass.</summary>
    internal static List<string> Check(Summary summary, int expected)
    {
        var failures = new List<string>();
        if (summary.Received != summary.Count)
        {
            failures.Add($"WaitEcho kept {summary.Count:N0} of the {summary.Received:N0} triggers it received (its capacity is too small to count them)");
        }
        if (summary.DistinctExecutions != expected)
        {
            failures.Add($"{summary.DistinctExecutions:N0} distinct executions arrived, {expected:N0} expected");
        }
        if (summary.Count != summary.DistinctExecutions)
        {
            failures.Add($"{summary.Count - summary.DistinctExecutions:N0} deliveries were duplicates of an execution that had arrived");
        }
        if (summary.Early != 0)
        {
            failures.Add($"{summary.Early:N0} triggers arrived early");
        }
        return failures;
    }

    internal static async Task<Summary> SummaryAsync(Uri echo)
    {
        using var http = new HttpClient { BaseAddress = echo };
        return (await http.GetFromJsonAsync<Summary>("/received/summary"))!;
    }

    /// <summary>Waits until the warm-up's executions — the only ones so far, so counting them is cheap — succeeded.</summary>
    private static async Task WaitForWarmUpAsync(NpgsqlDataSource dataSource, int count)
    {
        var waited = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync();
        while (true)
        {
            var (succeeded, dead) = await connection.QuerySingleAsync<(long Succeeded, long Dead)>(
                "select count(*) filter (where status = 'succeeded'), count(*) filter (where status = 'dead') from executions");
            if (succeeded >= count)
            {
                return;
            }
            if (dead > 0 || waited.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"the warm-up: {succeeded:N0} of {count:N0} succeeded, {dead:N0} dead after {waited.Elapsed.TotalSeconds:0} s");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits (at most 60 s) until every one of <paramref name="processIds"/> used under 5 % of a core over the last second: the
    /// runtime has finished compiling what the warm-up made hot (tier-1 and PGO recompiles run on a background thread after
    /// the calls that triggered them).
    /// </summary>
    private static async Task SettleAsync(IReadOnlyList<int> processIds)
    {
        var waited = Stopwatch.StartNew();
        var before = processIds.Select(ProcessStats.CpuSeconds).ToList();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = processIds.Select(ProcessStats.CpuSeconds).ToList();
            if (now.Zip(before).All(p => p.First - p.Second < 0.05))
            {
                await Console.Error.WriteLineAsync($"warmed up; the processes settled {waited.Elapsed.TotalSeconds:0} s after the warm-up");
                return;
            }
            before = now;
        }
        await Console.Error.WriteLineAsync("the processes did not settle within 60 s of the warm-up; measuring anyway");
    }

    /// <summary>What WaitEcho has recorded, once it has <paramref name="count"/> triggers (a broker's consumer lags a little) or 60 s passed.</summary>
    private static async Task<Summary> ReceivedAsync(Uri echo, int count)
    {
        var waited = Stopwatch.StartNew();
        Summary summary;
        while ((summary = await SummaryAsync(echo)).DistinctExecutions < count && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }
        return summary;
    }

    /// <summary>Once WaitEcho has recorded <paramref name="count"/> triggers, clears what it keeps.</summary>
    private static async Task ForgetReceivedAsync(Uri echo, int count)
    {
        await ReceivedAsync(echo, count);
        using var http = new HttpClient { BaseAddress = echo };
        (await http.DeleteAsync("/received")).EnsureSuccessStatusCode();
    }

    /// <summary>CPU seconds by group (or kind of process) as microseconds per trigger, e.g. "executors 71 µs, WaitEcho 52 µs".</summary>
    internal static string PerTrigger(IReadOnlyList<(string Group, double Seconds)> groups, int count, string format = "0") =>
        string.Join(", ", groups.Select(g => $"{g.Group} {(g.Seconds / count * 1e6).ToString(format, CultureInfo.InvariantCulture)} µs"));

    /// <summary>The CPU split of a phase in which the executors and WaitEcho do the work (PostgreSQL's is always counted).</summary>
    private static CpuBreakdown ExecutorsAndWaitEcho(LocalCluster cluster, IEnumerable<HostProcess> processes) =>
        CpuBreakdown.Start(new Dictionary<string, IReadOnlyList<int>>
        {
            ["executors"] = processes.Select(p => p.ProcessId).ToList(), ["WaitEcho"] = cluster.ProcessIds("waitecho"),
        });

    internal static string Table(string title, params (string Figure, string Value)[] rows) =>
        $"{title}\n\n| figure | result |\n|---|---|\n" + string.Join('\n', rows.Select(r => $"| {r.Figure} | {r.Value} |")) + "\n";
}
