using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Common;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;

namespace Scheduler.Storage.Audit;

/// <summary>Who is changing things, and from where: set per request by the API (and its UI), read by the stores.</summary>
/// <param name="KeyId">The API key's id (or <c>bootstrap</c>, <c>auth-disabled</c>).</param>
/// <param name="Source"><c>api</c>, <c>ui</c> or <c>cli</c>.</param>
/// <param name="Revision">The source revision a declarative apply sent (a git commit), with whether its tree was dirty.</param>
/// <param name="ManagedBy">The declarative source a <c>scheduleman apply</c> names: objects it creates or replaces are marked as managed by it.</param>
public sealed record AuditActor(string Tenant, string KeyId, string? KeyName, string Source, string? Revision = null, bool? RevisionDirty = null,
    string? ManagedBy = null)
{
    private static readonly AsyncLocal<AuditActor?> Ambient = new();

    /// <summary>The actor of the request in progress; null outside one (the executors), which records nothing.</summary>
    public static AuditActor? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }
}

/// <summary>
/// Appends audit rows in the caller's transaction, with the object before and after as JSON whose secrets read <c>***</c>
/// (targets redacted, and any stored ciphertext anywhere replaced), so the trail never holds a secret in clear.
/// </summary>
internal static class AuditLog
{
    public static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string objectType, string action, Guid objectId,
        string? objectName, object? before, object? after, DateTimeOffset? now, CancellationToken cancellationToken)
    {
        if (AuditActor.Current is not { } actor)
        {
            return;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into audit_events (id, tenant, at, actor_key_id, actor_name, source, action, object_type, object_id, object_name, before, after,
                                      revision, revision_dirty)
            values (@Id, @Tenant, coalesce(@Now, now()), @KeyId, @KeyName, @Source, @Action, @ObjectType, @ObjectId, @ObjectName, @Before::jsonb, @After::jsonb,
                    @Revision, @RevisionDirty)
            """, new
            {
                Id = TimeOrderedId.New(now ?? DateTimeOffset.UtcNow),
                actor.Tenant,
                Now = now,
                actor.KeyId,
                actor.KeyName,
                actor.Source,
                Action = action,
                ObjectType = objectType,
                ObjectId = objectId,
                ObjectName = objectName,
                Before = View(before),
                After = View(after),
                actor.Revision,
                actor.RevisionDirty,
            }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>An object as the audit keeps it: JSON, every stored secret as <c>***</c>.</summary>
    internal static string? View(object? value)
    {
        if (value is null)
        {
            return null;
        }
        var node = JsonSerializer.SerializeToNode(value, value.GetType(), SchedulerJson.Options);
        return Redact(node)?.ToJsonString(SchedulerJson.Options);
    }

    private static JsonNode? Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (Redact(child) is var redacted && !ReferenceEquals(redacted, child))
                    {
                        obj[key] = redacted;
                    }
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Redact(array[i]) is var redacted && !ReferenceEquals(redacted, array[i]))
                    {
                        array[i] = redacted;
                    }
                }
                return array;
            case JsonValue value when value.TryGetValue<string>(out var text):
                // Records keep labels, timings and targets as JSON text: shown as the JSON they are, redacted inside.
                if (text.Length > 1 && text[0] is '{' or '[' && TryParse(text) is { } parsed)
                {
                    return Redact(parsed);
                }
                return SecretBox.IsProtected(text) ? JsonValue.Create(SensitiveHeaders.Redacted) : value;
            default:
                return node;
        }
    }

    private static JsonNode? TryParse(string json)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: SchedulerJson.DocumentOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
