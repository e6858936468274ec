using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Scheduler.Bench;

/// <summary>
/// Issue 31: an executor process's peak resident memory (VmHWM) while it refuses hostile templates written straight into the
/// database: a string doubled 40 times, and a loop over (1..100000000). Before the render bounds each took it to gigabytes.
/// </summary>
internal static class TemplateMemoryBenchmark
{
    private static readonly (string Name, string Body)[] Hostile =
    [
        ("doubling", "{% assign s = \"x\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}"),
        ("huge-range", "{% for i in (1..100000000) %}x{% endfor %}"),
    ];

    public static async Task<ScenarioResult> RunAsync()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var echo = await cluster.StartWaitEchoAsync(10);
        var executor = cluster.StartExecutor("templates");
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var failures = new List<string>();
        var rows = new List<(string, string)>();

        // A plain delivery first, so that the baseline is an executor that has fired (its JIT and pools warm).
        await FireAsync(dataSource, "plain", """{"x": "{{ attempt }}"}""", new Uri(echo, "/echo").ToString());
        var baseline = PeakRssMiB(executor.ProcessId);
        rows.Add(("executor peak RSS after a plain templated delivery", $"{baseline:N0} MiB"));
        foreach (var (name, body) in Hostile)
        {
            var clock = Stopwatch.StartNew();
            var (status, error) = await FireAsync(dataSource, name, JsonSerializer.Serialize(new { x = body }), new Uri(echo, "/echo").ToString());
            var peak = PeakRssMiB(executor.ProcessId);
            rows.Add(($"{name}: {status} after {clock.Elapsed.TotalMilliseconds:N0} ms (claim and fire included)", error ?? ""));
            rows.Add(($"{name}: executor peak RSS", $"{peak:N0} MiB"));
            if (status != "dead" || peak > baseline + 100)
            {
                failures.Add($"{name}: {status}, peak RSS {peak:N0} MiB against {baseline:N0} before");
            }
        }
        return new(TriggerBenchmarks.Table("Hostile templates stored in the database, fired by one executor process", [.. rows]), 0, failures);
    }

    /// <summary>Inserts a one-shot due now with <paramref name="body"/> as its webhook body; waits for its execution to end.</summary>
    private static async Task<(string Status, string? Error)> FireAsync(NpgsqlDataSource dataSource, string name, string body, string url)
    {
        var target = $$"""{"type":"webhook","url":"{{url}}","method":"POST","headers":{},"timeout":"PT3S","body":{{body}}}""";
        await using var connection = await dataSource.OpenConnectionAsync();
        var now = DateTimeOffset.UtcNow;
        var id = Guid.CreateVersion7(now);
        await connection.ExecuteAsync(
            """
            insert into schedules (id, tenant, name, kind, run_at, target, max_attempts, state, next_fire_at, created_at, updated_at)
            values (@id, 'default', @name, 'runAt', @now, @target::jsonb, 5, 'active', @now, @now, @now)
            """, new { id, name, now, target });
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var ended = await connection.QueryFirstOrDefaultAsync<(string Status, string? Error)?>(
                "select status, last_error from executions where schedule_id = @id and status in ('succeeded', 'dead', 'pending')", new { id });
            if (ended is { } outcome)
            {
                return outcome;
            }
            await Task.Delay(100);
        }
        return ("not ended within 60 s", null);
    }

    /// <summary>The peak resident set size the kernel has recorded for the process (VmHWM), in MiB.</summary>
    private static double PeakRssMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
