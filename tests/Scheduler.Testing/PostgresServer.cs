using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Migrations;
using Testcontainers.PostgreSql;

namespace Scheduler.Testing;

/// <summary>
/// One real PostgreSQL per test process, found in this order: <c>SCHEDULER_TEST_DB</c> (a connection string
/// whose user may create databases); Testcontainers when a Docker engine answers; a throwaway cluster from the
/// PostgreSQL binaries on this machine. Each test gets its own database, cloned from a migrated template.
/// </summary>
public sealed class PostgresServer
{
    private const string Template = "scheduleman_template";
    private static readonly Lazy<Task<PostgresServer>> Instance = new(StartAsync);
    private static int _databases;

    private readonly string? _localDataDir;

    private PostgresServer(string adminConnectionString, string description, string? localDataDir = null)
    {
        AdminConnectionString = adminConnectionString;
        Description = description;
        _localDataDir = localDataDir;
    }

    public string AdminConnectionString { get; }

    /// <summary>Where the server came from, for failure messages.</summary>
    public string Description { get; }

    public static Task<PostgresServer> SharedAsync() => Instance.Value;

    /// <summary>A new, migrated database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.ExecuteAsync($"create database {name} template {Template}");
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    /// <summary>
    /// Takes the database away from every client: a real restart (stop, then start on the same port) for a
    /// local cluster; otherwise every other connection is terminated. Returns how long it was away.
    /// </summary>
    public async Task<TimeSpan> InterruptAsync(TimeSpan downtime)
    {
        var started = DateTime.UtcNow;
        if (_localDataDir is not null)
        {
            var script = Path.Combine(RepositoryRoot(), "scripts", "postgres-local.sh");
            var port = new NpgsqlConnectionStringBuilder(AdminConnectionString).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await RunAsync("bash", script, "stop", _localDataDir);
            await Task.Delay(downtime);
            var (exit, output) = await RunAsync("bash", script, "start", _localDataDir, port);
            if (exit != 0)
            {
                throw new InvalidOperationException($"PostgreSQL did not come back: {output}");
            }
            // This process's pooled connections died with the server: the next test's CreateDatabaseAsync must not get one.
            NpgsqlConnection.ClearAllPools();
        }
        else
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.ExecuteAsync("select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and datname is not null");
        }
        return DateTime.UtcNow - started;
    }

    /// <summary>An empty database with no schema (for migration tests).</summary>
    public async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = $"empty_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.ExecuteAsync($"create database {name} template template0");
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var server = await FindAsync();
        // Migrate once into a template; every test database is a cheap copy of it.
        await using (var connection = new NpgsqlConnection(server.AdminConnectionString))
        {
            await connection.ExecuteAsync($"drop database if exists {Template}");
            await connection.ExecuteAsync($"create database {Template} template template0");
        }
        var templateConnection = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = Template, Pooling = false }.ConnectionString;
        await using (var dataSource = NpgsqlDataSource.Create(templateConnection))
        {
            await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
        }
        return server;
    }

    private static async Task<PostgresServer> FindAsync()
    {
        if (Environment.GetEnvironmentVariable("SCHEDULER_TEST_DB") is { Length: > 0 } given)
        {
            return new PostgresServer(given, "SCHEDULER_TEST_DB");
        }
        if (DockerAnswers())
        {
            var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return new PostgresServer(container.GetConnectionString(), "Testcontainers postgres:16-alpine");
        }
        return await StartLocalClusterAsync();
    }

    private static bool DockerAnswers()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrEmpty(host) && !File.Exists("/var/run/docker.sock"))
        {
            return false;
        }
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            return docker.WaitForExit(10_000) && docker.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static async Task<PostgresServer> StartLocalClusterAsync()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "postgres-local.sh");
        var dataDir = Path.Combine(Path.GetTempPath(), $"scheduleman-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var port = Ports.Free();
        var (exit, output) = await RunAsync("bash", script, "start", dataDir, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (exit != 0)
        {
            throw new InvalidOperationException(
                "No PostgreSQL for the tests. Set SCHEDULER_TEST_DB to a connection string (user allowed to create databases), " +
                "start a Docker engine (Testcontainers), or install PostgreSQL 13+ binaries (Debian: apt-get install postgresql). " +
                $"Starting a local cluster said:\n{output}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAsync("bash", script, "destroy", dataDir).GetAwaiter().GetResult();
        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Include Error Detail=true",
            $"local cluster on port {port} ({dataDir})", dataDir);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["POSTGRES_LOCAL_FAST"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The folder holding Scheduleman.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduleman.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Scheduleman.sln not found above {AppContext.BaseDirectory}");
    }
}
