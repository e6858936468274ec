using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Migrations;

namespace Scheduler.Testing;

/// <summary>
/// A primary and a synchronous streaming standby on this machine (<c>scripts/postgres-local.sh start</c>, <c>standby</c>), with
/// full durability (no test shortcuts), migrated, and the multi-host connection string an operator gives the processes.
/// </summary>
public sealed class ReplicatedPostgres : IAsyncDisposable
{
    private const string Database = "scheduleman";
    private readonly string _directory;

    private ReplicatedPostgres(string directory, int primaryPort, int standbyPort)
    {
        _directory = directory;
        PrimaryPort = primaryPort;
        StandbyPort = standbyPort;
    }

    public int PrimaryPort { get; }

    public int StandbyPort { get; }

    /// <summary>Both hosts; Npgsql connects to whichever is the primary now.</summary>
    public string ConnectionString =>
        $"Host=127.0.0.1:{PrimaryPort},127.0.0.1:{StandbyPort};Target Session Attributes=read-write;Host Recheck Seconds=1;Username=postgres;Database={Database};Timeout=5;Command Timeout=10";

    public static string On(int port) => $"Host=127.0.0.1;Port={port};Username=postgres;Database={Database};Pooling=false";

    public static async Task<ReplicatedPostgres> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"scheduleman-replicated-{Guid.NewGuid().ToString("N")[..12]}");
        var cluster = new ReplicatedPostgres(directory, Ports.Free(), Ports.Free());
        await ScriptAsync("start", Path.Combine(directory, "primary"), cluster.PrimaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await ScriptAsync("createdb", cluster.PrimaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Database);
        await using (var dataSource = NpgsqlDataSource.Create(On(cluster.PrimaryPort)))
        {
            await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        }
        await ScriptAsync("standby", cluster.PrimaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(directory, "standby"),
            cluster.StandbyPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "standby1");
        return cluster;
    }

    /// <summary>The primary dies as in a crash (immediate shutdown).</summary>
    public Task KillPrimaryAsync() => ScriptAsync("kill", Path.Combine(_directory, "primary"));

    public Task PromoteStandbyAsync() => ScriptAsync("promote", Path.Combine(_directory, "standby"));

    /// <summary>After a failover: the old primary, rebuilt from the new one (a fresh base backup), is its synchronous standby.</summary>
    public async Task RejoinOldPrimaryAsStandbyAsync()
    {
        await ScriptAsync("destroy", Path.Combine(_directory, "primary"));
        await ScriptAsync("standby", StandbyPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(_directory, "primary"),
            PrimaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "standby2");
    }

    /// <summary>A planned switchover back: the current primary shuts down cleanly (its standby has all of its WAL), the old one is promoted.</summary>
    public async Task SwitchBackAsync()
    {
        await ScriptAsync("stop", Path.Combine(_directory, "standby"));
        await ScriptAsync("promote", Path.Combine(_directory, "primary"));
    }

    private static async Task ScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(PostgresServer.RepositoryRoot(), "scripts", "postgres-local.sh"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"postgres-local.sh {string.Join(' ', args)}: exit {process.ExitCode}\n{await output}{await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var node in new[] { "standby", "primary" })
        {
            try
            {
                await ScriptAsync("destroy", Path.Combine(_directory, node));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
