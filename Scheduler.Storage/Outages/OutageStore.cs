using System.Text.Json;
using Dapper;
using Npgsql;
using Scheduler.Common;
using Scheduler.Common.Outages;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Audit;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Schedules;

namespace Scheduler.Storage.Outages;

public enum OutageChangeStatus { Done, NotFound, VersionMismatch, NameTaken, AlreadyOver }

public sealed record OutageChange(OutageChangeStatus Status, OutageRecord? Outage = null);

/// <summary>The API's side of <c>outages</c>. The claim reads live outages itself (<see cref="OutageSql.Live"/>).</summary>
public sealed class OutageStore(NpgsqlDataSource dataSource)
{
    public async Task<OutageRecord?> InsertAsync(string tenant, OutageSpec definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(OutageSql.WriteGate, transaction: transaction, cancellationToken: cancellationToken));
        var created = await connection.QuerySingleOrDefaultAsync<OutageRecord>(new CommandDefinition(OutageSql.Insert,
            Parameters(Guid.CreateVersion7(now), tenant, definition, now), transaction, cancellationToken: cancellationToken));
        if (created is not null)
        {
            await RecallClaimedAsync(connection, transaction, created, now, cancellationToken);
            await AuditLog.AppendAsync(connection, transaction, "outage", "create", created.Id, created.Name, null, created, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    public async Task<OutageRecord?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<OutageRecord>(new CommandDefinition(OutageSql.Get, new { Tenant = tenant, Id = id },
            cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<OutageRecord>> ListAsync(string tenant, int limit, Guid? after, string? state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<OutageRecord>(new CommandDefinition(OutageSql.List,
            new { Tenant = tenant, Limit = limit, After = after, State = state, Now = now }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<IReadOnlyList<OutageRecord>> InForceAsync(string tenant, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<OutageRecord>(new CommandDefinition(OutageSql.InForce, new { Tenant = tenant, Now = now },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Replaces a planned or running outage. Shortening one in force releases what it deferred, as ending it does.</summary>
    public Task<OutageChange> ReplaceAsync(string tenant, Guid id, int? expectedVersion, OutageSpec definition, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, now, "replace", current => current.CancelledAt is not null || current.EndsAt <= now
            ? null
            : (OutageSql.Update, Parameters(id, tenant, definition, now)), cancellationToken);

    /// <summary>Cancels an outage that has not ended: occurrences it deferred fire now, and nothing more is skipped or deferred.</summary>
    public Task<OutageChange> CancelAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, now, "cancel", current => current.CancelledAt is not null || current.EndsAt <= now
            ? null
            : (OutageSql.Cancel, new { Id = id, Now = now }), cancellationToken);

    /// <summary>Ends an outage in force now, as if it had been planned to end now.</summary>
    public Task<OutageChange> EndAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, now, "end", current => current.CancelledAt is not null || current.EndsAt <= now || current.StartsAt > now
            ? null
            : (OutageSql.EndNow, new { Id = id, Now = now }), cancellationToken);

    private async Task<OutageChange> ChangeAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, string action,
        Func<OutageRecord, (string Sql, object Parameters)?> update, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (action == "replace")
        {
            await connection.ExecuteAsync(new CommandDefinition(OutageSql.WriteGate, transaction: transaction, cancellationToken: cancellationToken));
        }
        var current = await connection.QuerySingleOrDefaultAsync<OutageRecord>(new CommandDefinition(OutageSql.LockForChange,
            new { Tenant = tenant, Id = id }, transaction, cancellationToken: cancellationToken));
        if (current is null)
        {
            return new OutageChange(OutageChangeStatus.NotFound);
        }
        if (expectedVersion is { } version && version != current.Version)
        {
            return new OutageChange(OutageChangeStatus.VersionMismatch, current);
        }
        if (update(current) is not { } statement)
        {
            return new OutageChange(OutageChangeStatus.AlreadyOver, current);
        }
        OutageRecord updated;
        try
        {
            updated = await connection.QuerySingleAsync<OutageRecord>(new CommandDefinition(statement.Sql, statement.Parameters, transaction,
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return new OutageChange(OutageChangeStatus.NameTaken, current);
        }
        if (updated.CancelledAt is not null || updated.EndsAt < current.EndsAt)
        {
            await ReleaseAsync(connection, transaction, id, updated.CancelledAt ?? updated.EndsAt, now, cancellationToken);
        }
        if (action == "replace")
        {
            await RecallClaimedAsync(connection, transaction, updated, now, cancellationToken);
        }
        await AuditLog.AppendAsync(connection, transaction, "outage", action, id, updated.Name, current, updated, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new OutageChange(OutageChangeStatus.Done, updated);
    }

    /// <summary>
    /// The occurrences inside <paramref name="outage"/> that executors claimed ahead of it, recalled in the write's transaction
    /// (see <see cref="OutageSql.RecallClaimed"/>); the executors holding them are told on commit and drop them.
    /// </summary>
    private static async Task RecallClaimedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutageRecord outage, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var window = outage.ToWindow();
        var recalled = (await connection.QueryAsync<Guid>(new CommandDefinition(OutageSql.RecallClaimed, new
        {
            outage.Id,
            outage.Tenant,
            outage.StartsAt,
            outage.EndsAt,
            outage.Labels,
            Defer = window.Policy == OutagePolicy.Defer,
            window.SkipNote,
            window.DeferNote,
            window.FoldNote,
            TimingValidator.MaxJitter,
            Now = now,
        }, transaction, cancellationToken: cancellationToken))).AsList();
        await DueNotifications.NotifyRecalledAsync(connection, transaction, recalled, cancellationToken);
    }

    /// <summary>
    /// What an outage deferred fires at <paramref name="until"/> (or now); the schedules it held past its old end move to
    /// their first occurrence from then, so occurrences after the new end fire as usual.
    /// </summary>
    private static async Task ReleaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset until, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var at = until > now ? until : now;
        var held = (await connection.QueryAsync<Guid>(new CommandDefinition(OutageSql.ReleaseDeferred, new { Id = id, Now = at }, transaction,
            cancellationToken: cancellationToken))).Distinct().ToArray();
        if (held.Length == 0)
        {
            return;
        }
        var schedules = (await connection.QueryAsync<ScheduleRecord>(new CommandDefinition(OutageSql.LockSchedules, new { Ids = held, Now = at }, transaction,
            cancellationToken: cancellationToken))).AsList();
        var calendarIds = schedules.Where(s => s.CalendarId is not null).Select(s => s.CalendarId!.Value).Distinct().ToArray();
        var calendars = calendarIds.Length == 0 ? new Dictionary<Guid, Common.Calendars.BusinessCalendar>()
            : (await connection.QueryAsync<CalendarRecord>(new CommandDefinition(CalendarSql.GetByIds, new { Ids = calendarIds }, transaction,
                cancellationToken: cancellationToken))).ToDictionary(c => c.Id, c => c.ToCalendar());
        var next = schedules.Select(s => s.Timing.Occurrences(s.CalendarId is { } c ? calendars.GetValueOrDefault(c) : null).AtOrAfter(at)).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(OutageSql.MoveSchedules,
            new { Ids = schedules.Select(s => s.Id).ToArray(), NextFireAts = next, Now = now }, transaction, cancellationToken: cancellationToken));
    }

    private static object Parameters(Guid id, string tenant, OutageSpec definition, DateTimeOffset now) => new
    {
        Id = id,
        Tenant = tenant,
        definition.Name,
        definition.Description,
        StartsAt = definition.From,
        EndsAt = definition.To,
        Policy = definition.Policy.ToString().ToLowerInvariant(),
        Labels = JsonSerializer.Serialize(definition.Labels, SchedulerJson.Options),
        Now = now,
        // Set by a declarative apply; a write from elsewhere keeps it (the SQL coalesces).
        ManagedBy = AuditActor.Current?.ManagedBy,
    };
}
