using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using Scheduler.Common;
using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Storage.Audit;
using Scheduler.Storage.Calendars;

namespace Scheduler.Storage.Schedules;

/// <summary>The API's side of <c>schedules</c>. Every change bumps <c>version</c> (the ETag).</summary>
public sealed class ScheduleStore(NpgsqlDataSource dataSource, SecretBox secrets)
{
    /// <summary>Inserts a new schedule; returns null when a live schedule of that name exists in the tenant.</summary>
    public async Task<ScheduleRecord?> InsertAsync(string tenant, ScheduleDefinition definition, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await InsertManyAsync(tenant, [definition], now, cancellationToken))[0];

    /// <summary>
    /// Creates several schedules in one transaction (a batch create): the result has one entry per definition, in order, null
    /// where a live schedule of that name exists.
    /// </summary>
    public async Task<IReadOnlyList<ScheduleRecord?>> InsertManyAsync(string tenant, IReadOnlyList<ScheduleDefinition> definitions, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (definitions.Count == 0)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = new List<ScheduleRecord?>(definitions.Count);
        DateTimeOffset? soonest = null;
        foreach (var definition in definitions)
        {
            var record = await connection.QuerySingleOrDefaultAsync<ScheduleRecord>(new CommandDefinition(ScheduleSql.Insert,
                DefinitionParameters(Guid.CreateVersion7(now), tenant, definition, definition.State ?? "active",
                    definition.State == "paused" ? null : definition.Occurrences.FirstFireAt(now), now),
                transaction, cancellationToken: cancellationToken));
            if (record is not null)
            {
                await AuditLog.AppendAsync(connection, transaction, "schedule", "create", record.Id, record.Name, null, record, now, cancellationToken);
                soonest = record.NextFireAt is { } next && (soonest is null || next < soonest) ? next : soonest;
            }
            created.Add(record);
        }
        await DueNotifications.NotifyIfSoonAsync(connection, soonest, now, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>
    /// The schedule's stored secrets in clear by field, for a write that keeps one (<c>***</c>): it is encrypted again like any
    /// value sent. Those that no longer decrypt for this schedule are left out (the write must send them).
    /// </summary>
    public Dictionary<string, string> StoredSecrets(ScheduleRecord record) =>
        secrets.RevealReadable(record.TargetSpec, field => SecretContext.ScheduleTarget(record.Tenant, record.Id, field));

    public async Task<ScheduleRecord?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ScheduleRecord>(new CommandDefinition(ScheduleSql.Get,
            new { Tenant = tenant, Id = id }, cancellationToken: cancellationToken));
    }

    /// <summary>One page; order is total (ties broken by id), so paging never repeats or skips a row that stays put.</summary>
    public async Task<IReadOnlyList<ScheduleRecord>> ListAsync(ScheduleQuery query, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder(ScheduleSql.ListBase);
        var parameters = new DynamicParameters(new { query.Tenant, query.Limit });
        if (!string.IsNullOrEmpty(query.NameContains))
        {
            sql.Append(" and name ilike @NamePattern escape '\\'");
            parameters.Add("NamePattern", LikePattern.Contains(query.NameContains));
        }
        if (query.Labels is { Count: > 0 })
        {
            sql.Append(" and labels @> @Labels::jsonb");
            parameters.Add("Labels", JsonSerializer.Serialize(query.Labels, SchedulerJson.Options));
        }
        if (query.State is not null)
        {
            sql.Append(" and state = @State");
            parameters.Add("State", query.State);
        }
        if (query.TargetType is not null)
        {
            sql.Append(" and target->>'type' = @TargetType");
            parameters.Add("TargetType", query.TargetType);
        }
        if (query.NextFireBefore is { } before)
        {
            sql.Append(" and next_fire_at < @Before");
            parameters.Add("Before", before);
        }
        if (query.NextFireAfter is { } after)
        {
            sql.Append(" and next_fire_at >= @After");
            parameters.Add("After", after);
        }
        if (query.After is { } cursor)
        {
            parameters.Add("CursorId", cursor.Id);
            if (query.Sort == ScheduleSort.Created)
            {
                sql.Append(" and id > @CursorId");
            }
            else if (query.Sort == ScheduleSort.Newest)
            {
                sql.Append(" and id < @CursorId");
            }
            else if (cursor.NextFireAt is { } at)
            {
                sql.Append(" and (next_fire_at > @CursorAt or (next_fire_at = @CursorAt and id > @CursorId) or next_fire_at is null)");
                parameters.Add("CursorAt", at);
            }
            else
            {
                sql.Append(" and next_fire_at is null and id > @CursorId");
            }
        }
        sql.Append(query.Sort switch
        {
            ScheduleSort.Created => " order by id",
            ScheduleSort.Newest => " order by id desc",
            _ => " order by next_fire_at nulls last, id",
        });
        sql.Append(" limit @Limit");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ScheduleRecord>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Replaces the definition and reschedules from now (a paused schedule stays paused).</summary>
    public Task<ScheduleChange> ReplaceAsync(string tenant, Guid id, int? expectedVersion, ScheduleDefinition definition, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, "replace", (current, _) =>
        {
            var state = definition.State ?? (current.State == "paused" ? "paused" : "active");
            var next = state == "active" ? definition.Occurrences.FirstFireAt(now) : null;
            var done = next is null && state == "active" && definition.Timing.Kind != ScheduleKind.Manual;
            return Step.Run(ScheduleSql.Replace, DefinitionParameters(id, tenant, definition, done ? "completed" : state, next, now));
        }, now, true, cancellationToken);

    /// <summary>Stops firing until resumed. Refused when it is not active: nothing to pause, or completed for good.</summary>
    public Task<ScheduleChange> PauseAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, "pause", (current, _) => current.State switch
        {
            "active" => Step.Run(ScheduleSql.SetState, new { Id = id, State = "paused", NextFireAt = (DateTimeOffset?)null, Now = now }),
            "paused" => Step.Refuse("Nothing to pause: the schedule is already paused."),
            _ => Step.Refuse("A completed schedule cannot be paused: it has no occurrence left. Replace its timing (PUT) to make it fire again."),
        }, now, false, cancellationToken);

    /// <summary>
    /// Fires again from now on (a one-shot whose time passed while paused fires at once). Refused when it is not paused, or when
    /// it has no occurrence from now (it stays paused rather than complete for good).
    /// </summary>
    public Task<ScheduleChange> ResumeAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, "resume", (current, calendar) =>
            current.State == "active" ? Step.Refuse("Nothing to resume: the schedule is active.")
            : current.State != "paused" ? Step.Refuse("A completed schedule cannot be resumed: it has no occurrence left. Replace its timing (PUT) to make it fire again.")
            : TimingValidator.NoOccurrence(current.Timing, now, calendar) is { } none
                ? Step.Refuse($"Not resumed: {none.Reason} ({none.Field}), so it would complete for good; it stays paused. Replace its timing (PUT) first.")
            : Step.Run(ScheduleSql.SetState, new { Id = id, State = "active", NextFireAt = current.Timing.Occurrences(calendar).FirstFireAt(now), Now = now }),
            now, true, cancellationToken);

    /// <summary>Deletes a schedule: it stops firing and disappears from the API; its history stays.</summary>
    public Task<ScheduleChange> DeleteAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, "delete",
            (_, _) => Step.Run(ScheduleSql.SetState, new { Id = id, State = "deleted", NextFireAt = (DateTimeOffset?)null, Now = now }),
            now, false, cancellationToken);

    /// <summary>The statement a change runs on the locked row, or why the schedule's state does not allow it.</summary>
    private sealed record Step(string? Sql, object? Parameters, string? Refusal)
    {
        public static Step Run(string sql, object parameters) => new(sql, parameters, null);

        public static Step Refuse(string why) => new(null, null, why);
    }

    /// <param name="update">The step for the locked current row, given its calendar if it follows one.</param>
    /// <param name="action">What the audit trail calls the change.</param>
    /// <param name="notify">Wake the executors when the new next fire time is soon.</param>
    private async Task<ScheduleChange> ChangeAsync(string tenant, Guid id, int? expectedVersion, string action,
        Func<ScheduleRecord, BusinessCalendar?, Step> update, DateTimeOffset now, bool notify, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await connection.QuerySingleOrDefaultAsync<ScheduleRecord>(new CommandDefinition(ScheduleSql.LockForChange,
            new { Tenant = tenant, Id = id }, transaction, cancellationToken: cancellationToken));
        if (current is null)
        {
            return new ScheduleChange(ScheduleChangeStatus.NotFound);
        }
        if (expectedVersion is { } version && version != current.Version)
        {
            return new ScheduleChange(ScheduleChangeStatus.VersionMismatch, current);
        }
        var calendar = current.CalendarId is { } calendarId
            ? (await connection.QuerySingleOrDefaultAsync<CalendarRecord>(new CommandDefinition(CalendarSql.GetById, new { Id = calendarId }, transaction,
                cancellationToken: cancellationToken)))?.ToCalendar()
            : null;
        var step = update(current, calendar);
        if (step.Refusal is { } why)
        {
            return new ScheduleChange(ScheduleChangeStatus.WrongState, current, why);
        }
        try
        {
            var updated = await connection.QuerySingleAsync<ScheduleRecord>(new CommandDefinition(step.Sql!, step.Parameters,
                transaction, cancellationToken: cancellationToken));
            if (notify)
            {
                await DueNotifications.NotifyIfSoonAsync(connection, updated.NextFireAt, now, cancellationToken, transaction);
            }
            await AuditLog.AppendAsync(connection, transaction, "schedule", action, id, updated.Name, current, action == "delete" ? null : updated, now,
                cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new ScheduleChange(ScheduleChangeStatus.Done, updated);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "schedules_tenant_name")
        {
            return new ScheduleChange(ScheduleChangeStatus.NameTaken, current);
        }
    }

    private object DefinitionParameters(Guid id, string tenant, ScheduleDefinition definition, string state, DateTimeOffset? nextFireAt, DateTimeOffset now) => new
    {
        Id = id,
        Tenant = tenant,
        definition.Name,
        definition.Description,
        Labels = JsonSerializer.Serialize(definition.Labels, SchedulerJson.Options),
        Kind = ScheduleKinds.ToDb(definition.Timing.Kind),
        definition.Timing.Cron,
        definition.Timing.TimeZone,
        definition.Timing.RunAt,
        definition.Timing.Delay,
        // Secrets are encrypted before they leave the process, bound to this schedule: the database never holds them in clear.
        Target = JsonSerializer.Serialize(secrets.Protect(definition.Target, field => SecretContext.ScheduleTarget(tenant, id, field)), SchedulerJson.Options),
        definition.MaxAttempts,
        State = state,
        NextFireAt = nextFireAt,
        Now = now,
        CalendarId = definition.Timing.BusinessDays?.CalendarId,
        Timing = TimingOptions.ToJson(definition.Timing),
        Completion = definition.Completion?.ToJson(),
        Parameters = Common.Parameters.ParameterDeclaration.ToJson(definition.Parameters),
        SecretRefs = definition.SecretRefs.ToArray(),
        // Set by a declarative apply; a write from elsewhere keeps it (the SQL coalesces).
        ManagedBy = AuditActor.Current?.ManagedBy,
    };
}
