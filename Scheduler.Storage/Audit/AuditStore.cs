using Dapper;
using Npgsql;

namespace Scheduler.Storage.Audit;

/// <summary>A row of <c>audit_events</c>.</summary>
public sealed class AuditRecord
{
    public Guid Id { get; init; }
    public DateTimeOffset At { get; init; }
    public string ActorKeyId { get; init; } = "";
    public string? ActorName { get; init; }
    public string Source { get; init; } = "";
    public string Action { get; init; } = "";
    public string ObjectType { get; init; } = "";
    public Guid ObjectId { get; init; }
    public string? ObjectName { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public string? Revision { get; init; }
    public bool? RevisionDirty { get; init; }
}

/// <summary>What to list of the audit trail (every filter optional), newest first.</summary>
public sealed record AuditQuery(string Tenant, int Limit, Guid? Before = null, string? ObjectType = null, Guid? ObjectId = null, string? ActorKeyId = null,
    string? Source = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null);

/// <summary>The API's read of the audit trail (rows are written by the stores, with the changes themselves, and never changed).</summary>
public sealed class AuditStore(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<AuditRecord>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<AuditRecord>(new CommandDefinition(
            """
            select id, at, actor_key_id as ActorKeyId, actor_name as ActorName, source, action, object_type as ObjectType, object_id as ObjectId,
                   object_name as ObjectName, before::text as Before, after::text as After, revision, revision_dirty as RevisionDirty
            from audit_events
            where tenant = @Tenant
              and (@Before::uuid is null or id < @Before)
              and (@ObjectType::text is null or object_type = @ObjectType)
              and (@ObjectId::uuid is null or object_id = @ObjectId)
              and (@ActorKeyId::text is null or actor_key_id = @ActorKeyId)
              and (@Source::text is null or source = @Source)
              and (@Since::timestamptz is null or at >= @Since)
              and (@Until::timestamptz is null or at < @Until)
            order by id desc
            limit @Limit
            """, query, cancellationToken: cancellationToken))).AsList();
    }
}
