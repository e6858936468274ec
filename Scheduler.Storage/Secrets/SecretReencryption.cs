using System.Text.Json;
using System.Xml.Linq;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scheduler.Common;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Workflows;
using Scheduler.Storage.Executions;

namespace Scheduler.Storage.Secrets;

/// <param name="Skipped">A pass under the active key had already found everything current.</param>
/// <param name="Rewritten">Values re-encrypted.</param>
/// <param name="Unreadable">Values left as they were because they decrypt with no configured key (each is logged).</param>
public sealed record ReencryptionResult(bool Skipped, long Rewritten, long Unreadable);

/// <summary>
/// Part of <c>Scheduler.Storage migrate</c> (SQL cannot encrypt): rewrites every stored secret that is not in the current
/// form — the unbound v1 format, or v2 under a previous key — as v2 under the active key, bound to the row and field it is
/// stored in. Bounded batches, each a short transaction that locks only its rows; idempotent (a value already current is
/// left alone), and once a pass finds nothing unreadable it is recorded per key id, so later runs skip the scan until
/// <c>Secrets:Key</c> changes.
/// </summary>
public sealed class SecretReencryption(NpgsqlDataSource dataSource, SecretBox box, ILogger<SecretReencryption> logger)
{
    /// <summary>Rows per transaction: 500 targets are well under a second of work and of row locks.</summary>
    public const int BatchSize = 500;

    private sealed class Row
    {
        public string Key { get; init; } = "";
        public string Tenant { get; init; } = "";
        public Guid? ScheduleId { get; init; }
        public Guid? WorkflowId { get; init; }
        public string? StepContext { get; init; }
        public string Text { get; init; } = "";
    }

    /// <param name="Rewrite">The row's column rewritten through <c>reencrypt</c> (which returns null for a value already current); null if unchanged.</param>
    private sealed record Table(string Name, string Key, string KeyType, string Column, string ColumnType, string Select,
        Func<Row, Func<string, SecretContext, string?>, string?> Rewrite);

    private static readonly Table[] Tables =
    [
        new("secrets", "id", "uuid", "value", "text", "tenant, null::uuid as ScheduleId, null::uuid as WorkflowId, null::text as StepContext",
            (row, reencrypt) => reencrypt(row.Text, SecretContext.NamedSecret(row.Tenant, Guid.Parse(row.Key)))),
        new("schedules", "id", "uuid", "target", "jsonb", "tenant, null::uuid as ScheduleId, null::uuid as WorkflowId, null::text as StepContext",
            (row, reencrypt) => RewriteTarget(row.Text, field => SecretContext.ScheduleTarget(row.Tenant, Guid.Parse(row.Key), field), reencrypt)),
        new("executions", "id", "uuid", "target", "jsonb", "tenant, schedule_id as ScheduleId, null::uuid as WorkflowId, step_context::text as StepContext",
            (row, reencrypt) =>
            {
                var execution = new ClaimedExecution { Id = Guid.Parse(row.Key), Tenant = row.Tenant, ScheduleId = row.ScheduleId, StepContextJson = row.StepContext };
                return RewriteTarget(row.Text, execution.SecretContextFor, reencrypt);
            }),
        new("workflows", "id", "uuid", "definition", "jsonb", "tenant, null::uuid as ScheduleId, id as WorkflowId, null::text as StepContext", RewriteSteps),
        new("workflow_runs", "id", "uuid", "definition", "jsonb", "tenant, null::uuid as ScheduleId, workflow_id as WorkflowId, null::text as StepContext", RewriteSteps),
        new("data_protection_keys", "name", "text", "xml", "text", "'' as tenant, null::uuid as ScheduleId, null::uuid as WorkflowId, null::text as StepContext", RewriteKeyXml),
    ];

    public async Task<ReencryptionResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition("select exists (select 1 from secret_reencryptions where key_id = @KeyId)",
            new { KeyId = box.ActiveKeyId }, cancellationToken: cancellationToken)))
        {
            return new ReencryptionResult(Skipped: true, 0, 0);
        }
        // A row holding a value in v1, or in v2 under another key id (ids are 8 hex digits), somewhere in its column.
        var stale = $"enc:v1:|enc:v2:(?!{box.ActiveKeyId}:)";
        long rewritten = 0, unreadable = 0;
        foreach (var table in Tables)
        {
            var after = table.KeyType == "uuid" ? Guid.Empty.ToString() : "";
            while (true)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var rows = (await connection.QueryAsync<Row>(new CommandDefinition(
                    $"""
                    select {table.Key}::text as Key, {table.Select}, {table.Column}::text as Text from {table.Name}
                    where {table.Key} > @After::{table.KeyType} and {table.Column}::text ~ @Stale
                    order by {table.Key} limit @Batch
                    for update
                    """, new { After = after, Stale = stale, Batch = BatchSize }, transaction, cancellationToken: cancellationToken))).AsList();
                if (rows.Count == 0)
                {
                    break;
                }
                var keys = new List<string>();
                var texts = new List<string>();
                foreach (var row in rows)
                {
                    string? Reencrypt(string value, SecretContext context)
                    {
                        try
                        {
                            var current = box.Reencrypt(value, context);
                            rewritten += current is null ? 0 : 1;
                            return current;
                        }
                        catch (SecretUnreadableException e)
                        {
                            unreadable++;
                            logger.LogWarning("Left {Table} {Key} as it is: {Reason}", table.Name, row.Key, e.Message);
                            return null;
                        }
                    }
                    string? text;
                    try
                    {
                        text = table.Rewrite(row, Reencrypt);
                    }
                    catch (Exception e) when (e is JsonException or System.Xml.XmlException or NotSupportedException)
                    {
                        unreadable++;
                        logger.LogWarning("Left {Table} {Key} as it is: it cannot be parsed ({Reason})", table.Name, row.Key, e.Message);
                        text = null;
                    }
                    if (text is not null)
                    {
                        keys.Add(row.Key);
                        texts.Add(text);
                    }
                }
                await connection.ExecuteAsync(new CommandDefinition(
                    $"""
                    update {table.Name} t set {table.Column} = u.text::{table.ColumnType}
                    from unnest(@Keys::text[], @Texts::text[]) as u(key, text)
                    where t.{table.Key} = u.key::{table.KeyType}
                    """, new { Keys = keys.ToArray(), Texts = texts.ToArray() }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                after = rows[^1].Key;
            }
        }
        if (unreadable == 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "insert into secret_reencryptions (key_id, rewritten, finished_at) values (@KeyId, @Rewritten, now()) on conflict (key_id) do nothing",
                new { KeyId = box.ActiveKeyId, Rewritten = rewritten }, cancellationToken: cancellationToken));
        }
        return new ReencryptionResult(Skipped: false, rewritten, unreadable);
    }

    private static string? RewriteTarget(string json, Func<string, SecretContext> context, Func<string, SecretContext, string?> reencrypt)
    {
        var changed = false;
        var target = RewriteSecrets(TargetSpec.FromJson(json), context, reencrypt, ref changed);
        return changed ? JsonSerializer.Serialize(target, SchedulerJson.Options) : null;
    }

    private static string? RewriteSteps(Row row, Func<string, SecretContext, string?> reencrypt)
    {
        var changed = false;
        var steps = WorkflowDefinition.StepsFromJson(row.Text).Select(step => step with
        {
            Target = RewriteSecrets(step.Target, field => SecretContext.WorkflowStepTarget(row.Tenant, row.WorkflowId!.Value, step.Id, field), reencrypt,
                ref changed),
        }).ToList();
        return changed ? JsonSerializer.Serialize(steps, SchedulerJson.Options) : null;
    }

    private static TargetSpec RewriteSecrets(TargetSpec target, Func<string, SecretContext> context, Func<string, SecretContext, string?> reencrypt,
        ref bool changed)
    {
        var any = false;
        var rewritten = target.MapSecrets((field, value) =>
        {
            var current = reencrypt(value, context(field));
            any |= current is not null;
            return current ?? value;
        });
        changed |= any;
        return rewritten;
    }

    /// <summary>A Data Protection key: the <c>secretBox</c> element the API's encryptor wrote holds the ciphertext.</summary>
    private static string? RewriteKeyXml(Row row, Func<string, SecretContext, string?> reencrypt)
    {
        var key = XElement.Parse(row.Text);
        var changed = false;
        foreach (var element in key.Descendants("secretBox"))
        {
            if (reencrypt(element.Value, SecretContext.DataProtectionKey) is { } current)
            {
                element.Value = current;
                changed = true;
            }
        }
        return changed ? key.ToString(SaveOptions.DisableFormatting) : null;
    }
}
