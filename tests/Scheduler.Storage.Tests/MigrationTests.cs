using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scheduler.Storage.Migrations;
using Scheduler.Testing;

namespace Scheduler.Storage.Tests;

public class MigrationTests
{
    [Fact]
    public async Task Migrations_apply_to_an_empty_database_and_again_as_a_no_op()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateEmptyDatabaseAsync());
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);

        Assert.Equal(0, await migrator.CurrentVersionAsync());
        Assert.Equal(Enumerable.Range(1, Migrator.LatestVersion), await migrator.MigrateAsync());
        Assert.Equal(Migrator.LatestVersion, await migrator.CurrentVersionAsync());
        Assert.Empty(await migrator.MigrateAsync());

        await using var connection = await dataSource.OpenConnectionAsync();
        var tables = await connection.QueryAsync<string>("select tablename from pg_tables where schemaname = 'public' order by 1");
        Assert.Equal(["api_keys", "audit_events", "backfill_runs", "backfills", "calendars", "data_protection_keys", "execution_attempts", "executions", "executors", "outages", "schedules",
            "schema_migrations", "secret_reencryptions", "secrets", "workflow_run_attempts", "workflow_runs", "workflows"], tables);
    }

    [Fact]
    public async Task Two_migrators_at_once_apply_each_migration_exactly_once()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateEmptyDatabaseAsync();
        await using var first = NpgsqlDataSource.Create(connectionString);
        await using var second = NpgsqlDataSource.Create(connectionString);

        var results = await Task.WhenAll(
            new Migrator(first, NullLogger<Migrator>.Instance).MigrateAsync(),
            new Migrator(second, NullLogger<Migrator>.Instance).MigrateAsync());

        Assert.Equal(Enumerable.Range(1, Migrator.LatestVersion), results.SelectMany(r => r).Order());
        await using var connection = await first.OpenConnectionAsync();
        Assert.Equal(Migrator.LatestVersion, await connection.ExecuteScalarAsync<int>("select count(*) from schema_migrations"));
    }
}
