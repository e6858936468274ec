using System.Text.Json;
using Dapper;
using Npgsql;
using Scheduler.Common;
using Scheduler.Common.Security;
using Scheduler.Common.Workflows;
using Scheduler.Storage.Audit;

namespace Scheduler.Storage.Workflows;

/// <summary>What became of a change to a workflow.</summary>
public enum WorkflowChangeStatus { Done, NotFound, VersionMismatch, NameTaken, InUse }

/// <param name="Workflow">The workflow after the change (or as it is, for a mismatch).</param>
/// <param name="UsedBy">For <see cref="WorkflowChangeStatus.InUse"/>: schedules that start it (at most 20).</param>
public sealed record WorkflowChange(WorkflowChangeStatus Status, WorkflowRecord? Workflow = null, IReadOnlyList<string>? UsedBy = null);

/// <summary>The API's side of <c>workflows</c>. Step targets' secrets are encrypted here, as a schedule's are.</summary>
public sealed class WorkflowStore(NpgsqlDataSource dataSource, SecretBox secrets)
{
    public async Task<WorkflowRecord?> InsertAsync(string tenant, WorkflowDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = await connection.QuerySingleOrDefaultAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.Insert,
            Parameters(Guid.CreateVersion7(now), tenant, definition, now), transaction, cancellationToken: cancellationToken));
        if (created is not null)
        {
            await AuditLog.AppendAsync(connection, transaction, "workflow", "create", created.Id, created.Name, null, created, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>
    /// Each step's stored secrets in clear by field, by step id, for a write that keeps one (<c>***</c>); those that no longer
    /// decrypt for their step are left out.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> StoredSecrets(WorkflowRecord record) =>
        record.Steps.ToDictionary(s => s.Id, s => secrets.RevealReadable(s.Target,
            field => SecretContext.WorkflowStepTarget(record.Tenant, record.Id, s.Id, field)), StringComparer.Ordinal);

    public async Task<WorkflowRecord?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.Get, new { Tenant = tenant, Id = id },
            cancellationToken: cancellationToken));
    }

    /// <summary>Whether <paramref name="tenant"/> has a workflow named <paramref name="name"/> (a schedule may start it).</summary>
    public async Task<bool> ExistsAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(WorkflowSql.Exists, new { Tenant = tenant, Name = name },
            cancellationToken: cancellationToken));
    }

    /// <summary>The live schedules that start runs of the workflow named <paramref name="name"/> (at most 20).</summary>
    public async Task<IReadOnlyList<string>> StartedByAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(WorkflowSql.SchedulesStarting, new { Tenant = tenant, Name = name },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>A page in id order; <paramref name="nameContains"/> filters case-insensitively, <paramref name="labels"/> must all match.</summary>
    public async Task<IReadOnlyList<WorkflowRecord>> ListAsync(string tenant, int limit, Guid? after, string? nameContains,
        IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var pattern = nameContains is null ? null : LikePattern.Contains(nameContains);
        return (await connection.QueryAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.List, new
        {
            Tenant = tenant,
            Limit = limit,
            After = after,
            Name = pattern,
            Labels = JsonSerializer.Serialize(labels, SchedulerJson.Options),
        }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>
    /// Replaces the definition (<paramref name="change"/> gives it from the current one, e.g. to keep stored secrets).
    /// Runs in progress keep the version they started with; renaming one that schedules start is refused, naming them.
    /// </summary>
    public async Task<WorkflowChange> ReplaceAsync(string tenant, Guid id, int? expectedVersion, Func<WorkflowRecord, WorkflowDefinition> change,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (current, refused) = await LockAsync(connection, transaction, tenant, id, expectedVersion, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }
        var definition = change(current);
        if (definition.Name != current.Name && await UsersAsync(connection, transaction, tenant, current.Name, cancellationToken) is { Count: > 0 } users)
        {
            return new WorkflowChange(WorkflowChangeStatus.InUse, current, users);
        }
        try
        {
            var updated = await connection.QuerySingleAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.Update, Parameters(id, tenant, definition, now),
                transaction, cancellationToken: cancellationToken));
            if (updated.MaxActiveRuns > current.MaxActiveRuns)
            {
                // A larger maxActiveRuns lets queued runs start now.
                await RunProgress.StartQueuedAsync(connection, transaction, id, now, 0, cancellationToken);
            }
            await AuditLog.AppendAsync(connection, transaction, "workflow", "replace", id, updated.Name, current, updated, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new WorkflowChange(WorkflowChangeStatus.Done, updated);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return new WorkflowChange(WorkflowChangeStatus.NameTaken, current);
        }
    }

    /// <summary>Deletes a workflow no live schedule starts (its runs stay readable); otherwise names the schedules.</summary>
    public async Task<WorkflowChange> DeleteAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (current, refused) = await LockAsync(connection, transaction, tenant, id, expectedVersion, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }
        if (await UsersAsync(connection, transaction, tenant, current.Name, cancellationToken) is { Count: > 0 } users)
        {
            return new WorkflowChange(WorkflowChangeStatus.InUse, current, users);
        }
        await connection.ExecuteAsync(new CommandDefinition(WorkflowSql.Delete, new { Id = id, Now = now }, transaction, cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, transaction, "workflow", "delete", id, current.Name, current, null, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WorkflowChange(WorkflowChangeStatus.Done, current);
    }

    private static async Task<List<string>> UsersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(WorkflowSql.SchedulesStarting, new { Tenant = tenant, Name = name }, transaction,
            cancellationToken: cancellationToken))).AsList();

    private static async Task<(WorkflowRecord Current, WorkflowChange? Refused)> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string tenant, Guid id, int? expectedVersion, CancellationToken cancellationToken)
    {
        var current = await connection.QuerySingleOrDefaultAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.Lock,
            new { Tenant = tenant, Id = id }, transaction, cancellationToken: cancellationToken));
        return current is null ? (null!, new WorkflowChange(WorkflowChangeStatus.NotFound))
            : expectedVersion is { } version && version != current.Version ? (current, new WorkflowChange(WorkflowChangeStatus.VersionMismatch, current))
            : (current, null);
    }

    private object Parameters(Guid id, string tenant, WorkflowDefinition definition, DateTimeOffset now)
    {
        var steps = definition.Steps.Select(s => s with
        {
            Target = secrets.Protect(s.Target, field => SecretContext.WorkflowStepTarget(tenant, id, s.Id, field)),
        }).ToList();
        return new
        {
            Id = id,
            Tenant = tenant,
            definition.Name,
            definition.Description,
            Labels = JsonSerializer.Serialize(definition.Labels, SchedulerJson.Options),
            Definition = JsonSerializer.Serialize(steps, SchedulerJson.Options),
            DefinitionHash = WorkflowDefinition.HashOf(definition.Steps),
            definition.MaxActiveRuns,
            Now = now,
            Parameters = Common.Parameters.ParameterDeclaration.ToJson(definition.Parameters),
            SecretRefs = definition.SecretRefs.ToArray(),
            // Set by a declarative apply; a write from elsewhere keeps it (the SQL coalesces).
            ManagedBy = AuditActor.Current?.ManagedBy,
        };
    }
}
