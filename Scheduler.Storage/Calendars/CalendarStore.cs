using Dapper;
using Npgsql;
using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Audit;
using Scheduler.Storage.Schedules;

namespace Scheduler.Storage.Calendars;

/// <summary>What became of a change to a calendar.</summary>
public enum CalendarChangeStatus { Done, NotFound, VersionMismatch, NameTaken, InUse, WouldEndSchedules }

/// <param name="Calendar">The calendar after the change (or as it is, for a mismatch).</param>
/// <param name="SchedulesMoved">Schedules whose next fire time was recomputed.</param>
/// <param name="UsedBy">For <see cref="CalendarChangeStatus.InUse"/>: names of schedules on it; for <see cref="CalendarChangeStatus.WouldEndSchedules"/>:
/// of the active schedules the edit would leave with no occurrence (at most 20 either way).</param>
public sealed record CalendarChange(CalendarChangeStatus Status, CalendarRecord? Calendar = null, int SchedulesMoved = 0, IReadOnlyList<string>? UsedBy = null);

/// <summary>The API's side of <c>calendars</c>; an edit recomputes every schedule on the calendar in the same transaction.</summary>
public sealed class CalendarStore(NpgsqlDataSource dataSource)
{
    /// <summary>Schedules recomputed per statement when a calendar changes.</summary>
    public const int RecomputeBatch = 1_000;

    public async Task<CalendarRecord?> InsertAsync(string tenant, CalendarDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = await connection.QuerySingleOrDefaultAsync<CalendarRecord>(new CommandDefinition(CalendarSql.Insert,
            Parameters(Guid.CreateVersion7(now), tenant, definition, now), transaction, cancellationToken: cancellationToken));
        if (created is not null)
        {
            await AuditLog.AppendAsync(connection, transaction, "calendar", "create", created.Id, created.Name, null, created, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>The calendar <paramref name="schedule"/> follows, as its occurrence maths takes it; null when it follows none (or it is gone).</summary>
    public async Task<BusinessCalendar?> OfScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) =>
        schedule.CalendarId is { } id ? (await GetAsync(schedule.Tenant, id, cancellationToken))?.ToCalendar() : null;

    public async Task<CalendarRecord?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CalendarRecord>(new CommandDefinition(CalendarSql.Get, new { Tenant = tenant, Id = id },
            cancellationToken: cancellationToken));
    }

    public async Task<CalendarRecord?> GetByNameAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CalendarRecord>(new CommandDefinition(CalendarSql.GetByName, new { Tenant = tenant, Name = name },
            cancellationToken: cancellationToken));
    }

    /// <summary>Calendars by id, whatever their tenant: the executors' cache fills from this.</summary>
    public async Task<IReadOnlyList<CalendarRecord>> GetByIdsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CalendarRecord>(new CommandDefinition(CalendarSql.GetByIds, new { Ids = ids.ToArray() },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>A page in id order; <paramref name="nameContains"/> filters case-insensitively.</summary>
    public async Task<IReadOnlyList<CalendarRecord>> ListAsync(string tenant, int limit, Guid? after, string? nameContains, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var pattern = nameContains is null ? null : LikePattern.Contains(nameContains);
        return (await connection.QueryAsync<CalendarRecord>(new CommandDefinition(CalendarSql.List,
            new { Tenant = tenant, Limit = limit, After = after, Name = pattern }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>
    /// Replaces the calendar (<paramref name="change"/> gives the new definition from the current one) and, in the same
    /// transaction, moves every active schedule on it to its next occurrence under the new calendar. Refused, naming them, when
    /// that would leave an active schedule with no occurrence (it would complete, and putting the calendar back would not
    /// revive it): the check a schedule write makes (<see cref="TimingValidator.NoOccurrence"/>).
    /// </summary>
    public async Task<CalendarChange> ReplaceAsync(string tenant, Guid id, int? expectedVersion, Func<CalendarRecord, CalendarDefinition> change,
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
        CalendarRecord updated;
        try
        {
            updated = await connection.QuerySingleAsync<CalendarRecord>(new CommandDefinition(CalendarSql.Update, Parameters(id, tenant, definition, now),
                transaction, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return new CalendarChange(CalendarChangeStatus.NameTaken, current);
        }
        var calendar = updated.ToCalendar();
        var schedules = (await connection.QueryAsync<ScheduleRecord>(new CommandDefinition(CalendarSql.LockSchedulesOn, new { Id = id }, transaction,
            cancellationToken: cancellationToken))).AsList();
        var ending = schedules.Where(s => TimingValidator.NoOccurrence(s.Timing, now, calendar) is not null).Select(s => s.Name).Order(StringComparer.Ordinal)
            .Take(20).ToList();
        if (ending.Count > 0)
        {
            return new CalendarChange(CalendarChangeStatus.WouldEndSchedules, current, UsedBy: ending);
        }
        var moved = await RecomputeSchedulesAsync(connection, transaction, schedules, calendar, now, cancellationToken);
        await RecallRemovedAsync(connection, transaction, id, schedules, calendar, now, cancellationToken);
        await AuditLog.AppendAsync(connection, transaction, "calendar", "replace", id, updated.Name, current, updated, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CalendarChange(CalendarChangeStatus.Done, updated, moved);
    }

    /// <summary>Deletes a calendar no live schedule follows; otherwise names those that do.</summary>
    public async Task<CalendarChange> DeleteAsync(string tenant, Guid id, int? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (current, refused) = await LockAsync(connection, transaction, tenant, id, expectedVersion, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }
        // Schedules that start to follow it meanwhile wait on this lock (their insert references the row).
        var users = (await connection.QueryAsync<string>(new CommandDefinition(CalendarSql.LiveSchedulesOn, new { Id = id }, transaction,
            cancellationToken: cancellationToken))).AsList();
        if (users.Count > 0)
        {
            return new CalendarChange(CalendarChangeStatus.InUse, current, UsedBy: users);
        }
        await connection.ExecuteAsync(new CommandDefinition(CalendarSql.Delete, new { Id = id }, transaction, cancellationToken: cancellationToken));
        await AuditLog.AppendAsync(connection, transaction, "calendar", "delete", id, current.Name, current, null, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CalendarChange(CalendarChangeStatus.Done, current);
    }

    /// <summary>Locks the calendar for a change; the refusal when it is not there or not at <paramref name="expectedVersion"/>.</summary>
    private static async Task<(CalendarRecord Current, CalendarChange? Refused)> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string tenant, Guid id, int? expectedVersion, CancellationToken cancellationToken)
    {
        var current = await connection.QuerySingleOrDefaultAsync<CalendarRecord>(new CommandDefinition(CalendarSql.LockForChange,
            new { Tenant = tenant, Id = id }, transaction, cancellationToken: cancellationToken));
        return current is null ? (null!, new CalendarChange(CalendarChangeStatus.NotFound))
            : expectedVersion is { } version && version != current.Version ? (current, new CalendarChange(CalendarChangeStatus.VersionMismatch, current))
            : (current, null);
    }

    /// <summary>
    /// Each active schedule on the calendar moves to its first occurrence, under the new calendar, at or after the earlier
    /// of its current next fire time and now: an occurrence already due is not lost, one already fired is not repeated
    /// (executions are unique per occurrence), and one the edit removed is gone.
    /// </summary>
    private static async Task<int> RecomputeSchedulesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<ScheduleRecord> schedules,
        BusinessCalendar calendar, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var batch in schedules.Chunk(RecomputeBatch))
        {
            var next = batch.Select(s =>
            {
                var from = s.NextFireAt is { } at && at < now ? at : now;
                return s.Timing.Occurrences(calendar).AtOrAfter(from);
            }).ToArray();
            await connection.ExecuteAsync(new CommandDefinition(CalendarSql.MoveSchedules,
                new { Ids = batch.Select(s => s.Id).ToArray(), NextFireAts = next, Now = now }, transaction, cancellationToken: cancellationToken));
        }
        return schedules.Count;
    }

    /// <summary>
    /// The occurrences executors claimed ahead that the edit removed (a holiday added on their day, a weekend day more) are
    /// recalled in the edit's transaction: recorded skipped with the reason, and the executors holding them told on commit.
    /// </summary>
    private static async Task RecallRemovedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, List<ScheduleRecord> schedules,
        BusinessCalendar calendar, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claimed = (await connection.QueryAsync<ClaimedOccurrence>(new CommandDefinition(CalendarSql.ClaimedOn, new { Id = id, Now = now, TimingValidator.MaxJitter }, transaction,
            cancellationToken: cancellationToken))).AsList();
        if (claimed.Count == 0)
        {
            return;
        }
        var byId = schedules.ToDictionary(s => s.Id);
        var removed = claimed.Where(c => byId.TryGetValue(c.ScheduleId, out var s) && s.Timing.Occurrences(calendar).AtOrAfter(c.ScheduledFor) != c.ScheduledFor)
            .ToList();
        if (removed.Count == 0)
        {
            return;
        }
        var notes = removed.Select(c =>
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(byId[c.ScheduleId].TimeZone ?? "UTC");
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(c.ScheduledFor, zone).DateTime);
            return $"skipped: calendar '{calendar.Name}' was edited after it was claimed" +
                (calendar.WhyNotBusinessDay(day) is { } why ? $", and {day:yyyy-MM-dd} is not a business day ({why})" : ", and it is no longer an occurrence");
        }).ToArray();
        var recalled = (await connection.QueryAsync<Guid>(new CommandDefinition(CalendarSql.Recall,
            new { Ids = removed.Select(c => c.Id).ToArray(), Notes = notes, Now = now }, transaction, cancellationToken: cancellationToken))).AsList();
        await DueNotifications.NotifyRecalledAsync(connection, transaction, recalled, cancellationToken);
    }

    private sealed class ClaimedOccurrence
    {
        public Guid Id { get; init; }
        public Guid ScheduleId { get; init; }
        public DateTimeOffset ScheduledFor { get; init; }
    }

    private static object Parameters(Guid id, string tenant, CalendarDefinition definition, DateTimeOffset now) => new
    {
        Id = id,
        Tenant = tenant,
        definition.Name,
        definition.Description,
        WeekendDays = definition.WeekendDays.Select(d => (int)d).ToArray(),
        Holidays = CalendarRecord.HolidaysJson(definition.Holidays),
        Now = now,
        // Set by a declarative apply; a write from elsewhere keeps it (the SQL coalesces).
        ManagedBy = AuditActor.Current?.ManagedBy,
    };
}
