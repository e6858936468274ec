using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Migrations;

namespace Scheduler.Testing;

/// <summary>
/// pg_auto_failover (Debian's <c>postgresql-15-auto-failover</c>) as an operator runs it: a monitor and two nodes, each a
/// <c>pg_autoctl</c> process that keeps its PostgreSQL running and does what the monitor decides — here, promoting the
/// secondary when the primary is gone. Health checks are tightened so that the test takes seconds, not a minute.
/// </summary>
public sealed class AutoFailoverPostgres : IAsyncDisposable
{
    public const string Binary = "/usr/bin/pg_autoctl";
    private const string Database = "scheduleman";
    private static readonly string PgCtl = "/usr/lib/postgresql/15/bin/pg_ctl";

    private readonly string _directory;
    private readonly List<Process> _processes = [];
    private readonly int _monitorPort = Ports.Free();
    private readonly int[] _nodePorts = [Ports.Free(), Ports.Free()];
    private readonly Process?[] _nodes = new Process?[2];

    private AutoFailoverPostgres(string directory) => _directory = directory;

    public string ConnectionString =>
        $"Host=127.0.0.1:{_nodePorts[0]},127.0.0.1:{_nodePorts[1]};Target Session Attributes=read-write;Host Recheck Seconds=1;" +
        $"Username=postgres;Database={Database};Timeout=5;Command Timeout=10";

    /// <summary>A direct connection to the node that is primary now, as the monitor says.</summary>
    public async Task<string> PrimaryConnectionStringAsync()
    {
        await using var monitor = new NpgsqlConnection(Monitor);
        var port = await monitor.ExecuteScalarAsync<int>("select nodeport from pgautofailover.node where reportedstate in ('primary', 'wait_primary', 'single') order by reportedstate limit 1");
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database={Database};Pooling=false";
    }

    private string Monitor => $"Host=127.0.0.1;Port={_monitorPort};Username=postgres;Database=pg_auto_failover;Pooling=false";

    public static async Task<AutoFailoverPostgres> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: ./test.sh installs Debian's postgresql-15-auto-failover");
        }
        var directory = Path.Combine(Path.GetTempPath(), $"scheduleman-autofailover-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(directory);
        if (Environment.UserName == "root")
        {
            Process.Start("chown", ["postgres", directory])!.WaitForExit();
        }
        var cluster = new AutoFailoverPostgres(directory);
        try
        {
            await cluster.SetUpAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private async Task SetUpAsync()
    {
        var cluster = this;
        await cluster.RunToEndAsync("create", "monitor", "--pgdata", cluster.Data("monitor"), "--pgport", $"{cluster._monitorPort}", "--hostname", "127.0.0.1",
            "--auth", "trust", "--no-ssl", "--pgctl", PgCtl);
        cluster._processes.Add(cluster.Start("run", "--pgdata", cluster.Data("monitor")));
        await WaitFor.ConditionAsync(() => AnswersAsync(cluster.Monitor), TimeSpan.FromSeconds(30), "the pg_auto_failover monitor");
        await using (var monitor = new NpgsqlConnection(cluster.Monitor))
        {
            // Seconds rather than the defaults' tens of seconds: a node is unhealthy after 2 s, a primary that cannot be told to step down is given 3 s.
            await monitor.ExecuteAsync("""
                alter system set pgautofailover.health_check_period = 1000;
                alter system set pgautofailover.health_check_timeout = 1000;
                alter system set pgautofailover.health_check_retry_delay = 500;
                alter system set pgautofailover.health_check_max_retries = 1;
                alter system set pgautofailover.node_considered_unhealthy_timeout = 2000;
                alter system set pgautofailover.primary_demote_timeout = 3000;
                select pg_reload_conf();
                """);
        }
        for (var i = 0; i < 2; i++)
        {
            cluster._nodes[i] = cluster.Start("create", "postgres", "--pgdata", cluster.Data($"node{i + 1}"), "--pgport", $"{cluster._nodePorts[i]}",
                "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--pgctl", PgCtl, "--dbname", Database,
                "--monitor", $"postgres://autoctl_node@127.0.0.1:{cluster._monitorPort}/pg_auto_failover?sslmode=disable", "--run");
            cluster._processes.Add(cluster._nodes[i]!);
            var expected = i == 0 ? new[] { "single" } : ["primary", "secondary"];
            await WaitFor.ConditionAsync(async () =>
            {
                // The secondary's base backup waits for a checkpoint: ask for one rather than wait for the next.
                if (i == 1 && await AnswersAsync(cluster.Node(0)))
                {
                    await using var primary = new NpgsqlConnection(cluster.Node(0));
                    await primary.ExecuteAsync("checkpoint;");
                }
                await using var monitor = new NpgsqlConnection(cluster.Monitor);
                var states = (await monitor.QueryAsync<string>("select reportedstate from pgautofailover.node order by nodeid")).ToList();
                return states.Order().SequenceEqual(expected.Order());
            }, TimeSpan.FromSeconds(90), $"node {i + 1} to join");
        }
        await using var dataSource = NpgsqlDataSource.Create(cluster.Node(0));
        await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
    }

    /// <summary>The primary's machine dies: its pg_autoctl and PostgreSQL are killed at once; the monitor decides the rest.</summary>
    public async Task KillPrimaryAsync()
    {
        var primary = (await PrimaryConnectionStringAsync()).Contains($"Port={_nodePorts[0]};", StringComparison.Ordinal) ? 0 : 1;
        _nodes[primary]!.Kill(entireProcessTree: true);
        await _nodes[primary]!.WaitForExitAsync();
        await RunToEndAsync(PgCtl, ["-D", Data($"node{primary + 1}"), "stop", "-m", "immediate"], ignoreFailure: true);
    }

    private string Node(int index) => $"Host=127.0.0.1;Port={_nodePorts[index]};Username=postgres;Database={Database};Pooling=false;Timeout=3";

    private string Data(string name) => Path.Combine(_directory, name);

    private static async Task<bool> AnswersAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private ProcessStartInfo Info(string file, IEnumerable<string> args)
    {
        var root = Environment.UserName == "root";
        var info = root ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        // pg_autoctl keeps its state and configuration under XDG directories: the test's own.
        info.Environment["XDG_CONFIG_HOME"] = Data("config");
        info.Environment["XDG_DATA_HOME"] = Data("data");
        info.Environment["XDG_RUNTIME_DIR"] = Data("run");
        info.Environment["PG_CONFIG"] = "/usr/lib/postgresql/15/bin/pg_config";
        return info;
    }

    private Process Start(params string[] args)
    {
        var process = Process.Start(Info(Binary, args))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private Task RunToEndAsync(params string[] args) => RunToEndAsync(Binary, args, ignoreFailure: false);

    private async Task RunToEndAsync(string file, string[] args, bool ignoreFailure)
    {
        using var process = Process.Start(Info(file, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !ignoreFailure)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {process.ExitCode}\n{await output}{await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var process in _processes.AsEnumerable().Reverse())
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        foreach (var name in new[] { "node1", "node2", "monitor" })
        {
            await RunToEndAsync(PgCtl, ["-D", Data(name), "stop", "-m", "immediate"], ignoreFailure: true);
        }
        // Anything pg_autoctl started that outlived its parent (it forks services of its own).
        using (var sweep = Process.Start("pkill", ["-9", "-f", _directory])!)
        {
            await sweep.WaitForExitAsync();
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the machine's temp cleanup.
        }
    }
}
