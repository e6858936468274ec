using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scheduler.Storage.Migrations;

/// <summary>
/// Applies the numbered, forward-only SQL migrations embedded in this assembly. Safe to run twice at once:
/// a session advisory lock serialises runners, and each migration commits with its version row.
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // An arbitrary constant that identifies "the scheduleman migration lock" among advisory locks.
    private const long LockKey = 0x5C4E_D01E_0001;

    [GeneratedRegex(@"\.(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();

    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> All { get; } = Load();

    /// <summary>The schema version this build expects.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Applies what is missing; returns the versions applied by this call.</summary>
    /// <remarks>
    /// Each migration runs in a transaction of its own that first takes a transaction-scoped advisory lock and then checks
    /// whether it is still missing: migrators started at once (every replica's init, a Helm hook) apply each exactly once,
    /// and nothing depends on a session outliving a transaction, so it also runs through PgBouncer in transaction mode.
    /// </remarks>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await InTransactionAsync(connection, async transaction => await connection.ExecuteAsync(new CommandDefinition(
            """
            create table if not exists schema_migrations (
                version    int primary key,
                name       text not null,
                applied_at timestamptz not null default now()
            )
            """, transaction: transaction, cancellationToken: cancellationToken)), cancellationToken);

        var done = new List<int>();
        foreach (var migration in All)
        {
            var applied = false;
            await InTransactionAsync(connection, async transaction =>
            {
                if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "select exists (select 1 from schema_migrations where version = @Version)", new { migration.Version }, transaction,
                    cancellationToken: cancellationToken)))
                {
                    return;
                }
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "insert into schema_migrations (version, name) values (@Version, @Name)",
                    new { migration.Version, migration.Name }, transaction, cancellationToken: cancellationToken));
                applied = true;
            }, cancellationToken);
            if (applied)
            {
                logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
                done.Add(migration.Version);
            }
        }
        if (done.Count == 0)
        {
            logger.LogInformation("Schema is up to date at version {Version}", LatestVersion);
        }
        return done;
    }

    /// <summary>Runs <paramref name="work"/> in a transaction holding the migration lock (released when it ends).</summary>
    private static async Task InTransactionAsync(NpgsqlConnection connection, Func<NpgsqlTransaction, Task> work, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(@LockKey)", new { LockKey }, transaction, cancellationToken: cancellationToken));
        await work(transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The highest applied version, or 0 for an empty database.</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select to_regclass('schema_migrations') is not null", cancellationToken: cancellationToken));
        return exists
            ? await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "select coalesce(max(version), 0) from schema_migrations", cancellationToken: cancellationToken))
            : 0;
    }

    private static List<Migration> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success)
            {
                continue;
            }
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            migrations.Add(new Migration(int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups["name"].Value, reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations must be numbered 1, 2, 3… without gaps; found {migrations[i].Version} at position {i + 1}");
            }
        }
        return migrations;
    }
}
