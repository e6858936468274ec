using Dapper;
using Npgsql;
using Scheduler.Storage.Migrations;
using Scheduler.Testing;

namespace Scheduler.Storage.Tests;

/// <summary>
/// Expand/contract: during a rolling upgrade the previous release runs against the new schema (the chart migrates before new
/// pods start), so a migration may add but never take away what earlier migrations made — no dropped or renamed table or
/// column, no type changed in place, no NOT NULL added to an existing column, no unique index (an ON CONFLICT arbiter)
/// removed. Dropping comes a release later, in a migration of its own, listed below with why it is safe then.
/// </summary>
public class ExpandContractTests
{
    /// <summary>Removals that were released before this rule, or a release after the code stopped reading what they remove.</summary>
    private static readonly Dictionary<int, (string[] Removed, string Why)> Contracted = new()
    {
        [9] = (["unique index on executions (schedule_id, scheduled_for)"],
            "before the rule: 0009 replaced the occurrence uniqueness with a partial unique index, so executors older than 0009 must be stopped before migrating to it (said in the 0009 release)"),
    };

    private sealed record Column(string Table, string Name, string Type, string Nullable);

    [Fact]
    public async Task No_migration_removes_or_changes_what_the_previous_release_reads()
    {
        var server = await PostgresServer.SharedAsync();
        await using var connection = new NpgsqlConnection(await server.CreateEmptyDatabaseAsync());
        await connection.OpenAsync();
        var problems = new List<string>();
        var (columns, uniques) = await SnapshotAsync(connection);
        foreach (var migration in Migrator.All)
        {
            await connection.ExecuteAsync(migration.Sql);
            var next = await SnapshotAsync(connection);
            var removed = Removed((columns, uniques), next);
            var allowed = Contracted.TryGetValue(migration.Version, out var contract) ? contract.Removed : [];
            problems.AddRange(removed.Except(allowed).Select(r => $"{migration.Version:0000}_{migration.Name}: {r}"));
            (columns, uniques) = next;
        }
        Assert.True(problems.Count == 0,
            "migrations that break the previous release (add first, drop a release later; list a deliberate contraction in Contracted):\n" + string.Join("\n", problems));
    }

    [Theory]
    [InlineData("alter table t drop column c", "column t.c")]
    [InlineData("alter table t rename column c to e", "column t.c")]
    [InlineData("alter table t rename to u", "column t.c")]
    [InlineData("alter table t alter column c type bigint", "type of t.c (integer → bigint)")]
    [InlineData("alter table t alter column c set not null", "nullability of t.c")]
    [InlineData("drop index t_c", "unique index on t (c)")]
    [InlineData("alter table t add column e text", null)]
    [InlineData("create unique index t_c_d on t (c, d)", null)]
    public async Task The_check_sees_what_a_statement_takes_away(string statement, string? expected)
    {
        var server = await PostgresServer.SharedAsync();
        await using var connection = new NpgsqlConnection(await server.CreateEmptyDatabaseAsync());
        await connection.OpenAsync();
        await connection.ExecuteAsync("create table t (c int, d int); create unique index t_c on t (c)");
        var before = await SnapshotAsync(connection);
        await connection.ExecuteAsync(statement);
        var removed = Removed(before, await SnapshotAsync(connection));
        if (expected is null)
        {
            Assert.Empty(removed);
        }
        else
        {
            Assert.Contains(removed, r => r.StartsWith(expected, StringComparison.Ordinal));
        }
    }

    private static List<string> Removed((Dictionary<(string, string), Column> Columns, HashSet<string> Uniques) before,
        (Dictionary<(string, string), Column> Columns, HashSet<string> Uniques) after)
    {
        var removed = new List<string>();
        foreach (var column in before.Columns.Values)
        {
            if (!after.Columns.TryGetValue((column.Table, column.Name), out var now))
            {
                removed.Add($"column {column.Table}.{column.Name}");
            }
            else if (now.Type != column.Type)
            {
                removed.Add($"type of {column.Table}.{column.Name} ({column.Type} → {now.Type})");
            }
            else if (column.Nullable == "YES" && now.Nullable == "NO")
            {
                removed.Add($"nullability of {column.Table}.{column.Name} (NOT NULL added: the previous release's inserts may omit it)");
            }
        }
        removed.AddRange(before.Uniques.Except(after.Uniques).Select(u => $"unique index on {u}"));
        return removed;
    }

    private static async Task<(Dictionary<(string, string), Column> Columns, HashSet<string> Uniques)> SnapshotAsync(NpgsqlConnection connection)
    {
        var columns = (await connection.QueryAsync<Column>(
            """
            select table_name as "Table", column_name as "Name", data_type as "Type", is_nullable as "Nullable"
            from information_schema.columns where table_schema = 'public'
            """)).ToDictionary(c => (c.Table, c.Name));
        // A unique index by what it covers (its table, columns and predicate), not its name.
        var uniques = (await connection.QueryAsync<string>(
            """
            select regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE UNIQUE INDEX \S+ ON public\.(\S+) USING btree ', '\1 ')
            from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
            where i.indisunique and not i.indisprimary and n.nspname = 'public'
            """)).ToHashSet();
        return (columns, uniques);
    }
}
