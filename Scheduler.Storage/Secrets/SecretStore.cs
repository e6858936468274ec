using Dapper;
using Npgsql;
using Scheduler.Common.Security;
using Scheduler.Storage.Audit;

namespace Scheduler.Storage.Secrets;

/// <summary>A row of <c>secrets</c>, without its value (which never leaves the store except to an executor delivering).</summary>
public sealed class SecretRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? RotatedAt { get; init; }
}

public enum SecretChangeStatus { Done, NotFound, VersionMismatch, InUse }

/// <param name="Referrers">When in use: the schedules and workflows whose targets name it.</param>
public sealed record SecretChange(SecretChangeStatus Status, SecretRecord? Secret = null, IReadOnlyList<string>? Referrers = null);

/// <summary>Named secrets: write-only values encrypted with the <see cref="SecretBox"/> before they reach the database.</summary>
public sealed class SecretStore(NpgsqlDataSource dataSource, SecretBox box)
{
    private const string Columns =
        "id, tenant, name, description, version, created_at as CreatedAt, updated_at as UpdatedAt, rotated_at as RotatedAt";

    /// <summary>Null when the tenant has a secret of that name.</summary>
    public async Task<SecretRecord?> InsertAsync(string tenant, string name, string? description, string value, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = Guid.CreateVersion7(now);
        var created = await connection.QuerySingleOrDefaultAsync<SecretRecord>(new CommandDefinition(
            $"""
            insert into secrets (id, tenant, name, description, value, created_at, updated_at)
            values (@Id, @Tenant, @Name, @Description, @Value, @Now, @Now)
            on conflict (tenant, name) do nothing
            returning {Columns}
            """, new { Id = id, Tenant = tenant, Name = name, Description = description, Value = box.Protect(value, SecretContext.NamedSecret(tenant, id)), Now = now },
            transaction, cancellationToken: cancellationToken));
        if (created is not null)
        {
            // The record has no value: the audit says a secret was made (and, later, rotated), never what it is.
            await AuditLog.AppendAsync(connection, transaction, "secret", "create", created.Id, created.Name, null, created, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    public async Task<SecretRecord?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SecretRecord>(new CommandDefinition(
            $"select {Columns} from secrets where tenant = @Tenant and id = @Id", new { Tenant = tenant, Id = id }, cancellationToken: cancellationToken));
    }

    /// <summary>Keyset paging by name (names are unique per tenant).</summary>
    public async Task<IReadOnlyList<SecretRecord>> ListAsync(string tenant, string? afterName, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SecretRecord>(new CommandDefinition(
            $"select {Columns} from secrets where tenant = @Tenant and (@After::text is null or name > @After) order by name limit @Limit",
            new { Tenant = tenant, After = afterName, Limit = limit }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Which of <paramref name="names"/> the tenant has no secret of.</summary>
    public async Task<IReadOnlyList<string>> MissingAsync(string tenant, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "select n from unnest(@Names::text[]) n where not exists (select 1 from secrets s where s.tenant = @Tenant and s.name = n) order by n",
            new { Tenant = tenant, Names = names.ToArray() }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Rotates the value (when given) and updates the description; every delivery after this uses the new value.</summary>
    public async Task<SecretChange> ReplaceAsync(string tenant, Guid id, int? expectedVersion, string? description, string? value, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await LockAsync(connection, transaction, tenant, id, cancellationToken);
        if (current is null || (expectedVersion is { } v && v != current.Version))
        {
            return new SecretChange(current is null ? SecretChangeStatus.NotFound : SecretChangeStatus.VersionMismatch, current);
        }
        var changed = await connection.QuerySingleAsync<SecretRecord>(new CommandDefinition(
            $"""
            update secrets set description = @Description, value = coalesce(@Value, value), version = version + 1, updated_at = @Now,
                rotated_at = case when @Value::text is not null then @Now else rotated_at end
            where id = @Id
            returning {Columns}
            """, new { Id = id, Description = description, Value = value is null ? null : box.Protect(value, SecretContext.NamedSecret(tenant, id)), Now = now }, transaction,
            cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, transaction, "secret", value is null ? "replace" : "rotate", id, changed.Name, current, changed, now,
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SecretChange(SecretChangeStatus.Done, changed);
    }

    /// <summary>Deletes a secret no live schedule or workflow names; otherwise refuses, naming them.</summary>
    public async Task<SecretChange> DeleteAsync(string tenant, Guid id, int? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await LockAsync(connection, transaction, tenant, id, cancellationToken);
        if (current is null || (expectedVersion is { } v && v != current.Version))
        {
            return new SecretChange(current is null ? SecretChangeStatus.NotFound : SecretChangeStatus.VersionMismatch, current);
        }
        var referrers = (await connection.QueryAsync<string>(new CommandDefinition(
            """
            (select 'schedule ' || name from schedules where tenant = @Tenant and state <> 'deleted' and secret_refs <> '{}' and secret_refs @> array[@Name]
             order by name limit 20)
            union all
            (select 'workflow ' || name from workflows where tenant = @Tenant and state <> 'deleted' and secret_refs <> '{}' and secret_refs @> array[@Name]
             order by name limit 20)
            """, new { Tenant = tenant, current.Name }, transaction, cancellationToken: cancellationToken))).AsList();
        if (referrers.Count > 0)
        {
            return new SecretChange(SecretChangeStatus.InUse, current, referrers);
        }
        await connection.ExecuteAsync(new CommandDefinition("delete from secrets where id = @Id", new { Id = id }, transaction, cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, transaction, "secret", "delete", id, current.Name, current, null, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SecretChange(SecretChangeStatus.Done, current);
    }

    /// <summary>For an executor delivering: the clear values of the tenant's secrets of these names (those that exist).</summary>
    /// <exception cref="SecretUnreadableException">A value does not decrypt for its row (moved between rows or tenants in the database).</exception>
    public async Task<IReadOnlyDictionary<string, string>> ResolveAsync(string tenant, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid Id, string Name, string Value)>(new CommandDefinition(
            "select id, name, value from secrets where tenant = @Tenant and name = any(@Names)", new { Tenant = tenant, Names = names.ToArray() },
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Name, r => box.Reveal(r.Value, SecretContext.NamedSecret(tenant, r.Id)), StringComparer.Ordinal);
    }

    private static Task<SecretRecord?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<SecretRecord>(new CommandDefinition($"select {Columns} from secrets where tenant = @Tenant and id = @Id for update",
            new { Tenant = tenant, Id = id }, transaction, cancellationToken: cancellationToken));
}
