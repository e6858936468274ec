using Dapper;
using Npgsql;
using Scheduler.Storage.Audit;

namespace Scheduler.Storage.Executions;

/// <summary>What a manual trigger runs for: a logical date and data interval (history mode; null: now, none) and its parameters.</summary>
public sealed record ManualRun(DateTimeOffset? LogicalDate = null, Common.Schedules.DataInterval? Interval = null, string? ParametersJson = null);

/// <summary>The API's side of <c>executions</c>: history, manual triggers and redrives.</summary>
public sealed class HistoryStore(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<ExecutionRecord>> ListAsync(string tenant, Guid? scheduleId, string? status, Guid? before, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ExecutionRecord>(new CommandDefinition(HistorySql.List,
            new { Tenant = tenant, ScheduleId = scheduleId, Status = status, Before = before, Limit = limit },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>The latest execution of each of these schedules (for lists that show the last outcome).</summary>
    public async Task<IReadOnlyDictionary<Guid, ExecutionRecord>> LatestAsync(string tenant, IReadOnlyCollection<Guid> scheduleIds,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ExecutionRecord>(new CommandDefinition(HistorySql.Latest,
            new { Tenant = tenant, Ids = scheduleIds.ToArray() }, cancellationToken: cancellationToken))).ToDictionary(e => e.ScheduleId!.Value);
    }

    public async Task<(ExecutionRecord Execution, IReadOnlyList<AttemptRecord> Attempts)?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for both reads: a report committing in between would otherwise show the execution before it and its
        // attempts after it (e.g. "delivered" beside an attempt whose run already failed).
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var execution = await connection.QuerySingleOrDefaultAsync<ExecutionRecord>(new CommandDefinition(HistorySql.Get,
            new { Tenant = tenant, Id = id }, transaction, cancellationToken: cancellationToken));
        if (execution is null)
        {
            return null;
        }
        var attempts = await connection.QueryAsync<AttemptRecord>(new CommandDefinition(HistorySql.Attempts, new { Id = id }, transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (execution, attempts.AsList());
    }

    /// <summary>Creates a manual execution due now (for <paramref name="run"/>'s date, interval and parameters); null when the schedule does not exist.</summary>
    public async Task<ExecutionRecord?> TriggerAsync(string tenant, Guid scheduleId, ManualRun run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var execution = await connection.QuerySingleOrDefaultAsync<ExecutionRecord>(new CommandDefinition(HistorySql.Trigger, new
        {
            Id = Guid.CreateVersion7(now),
            Tenant = tenant,
            ScheduleId = scheduleId,
            Now = now,
            run.LogicalDate,
            IntervalStart = run.Interval?.Start,
            IntervalEnd = run.Interval?.End,
            Parameters = run.ParametersJson,
        }, transaction, cancellationToken: cancellationToken));
        if (execution is not null)
        {
            await AuditLog.AppendAsync(connection, transaction, "execution", "trigger", execution.Id, execution.ScheduleName, null, execution, now,
                cancellationToken);
        }
        await DueNotifications.NotifyIfSoonAsync(connection, execution?.NextAttemptAt, now, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
        return execution;
    }

    /// <summary>Redrives one dead execution; null when it does not exist or is not dead.</summary>
    public async Task<ExecutionRecord?> RedriveAsync(string tenant, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var execution = await connection.QuerySingleOrDefaultAsync<ExecutionRecord>(new CommandDefinition(HistorySql.Redrive,
            new { Tenant = tenant, Id = (Guid?)id, ScheduleId = (Guid?)null, Now = now }, transaction, cancellationToken: cancellationToken));
        if (execution is not null)
        {
            await AuditLog.AppendAsync(connection, transaction, "execution", "redrive", id, execution.ScheduleName, null, execution, now, cancellationToken);
        }
        await DueNotifications.NotifyIfSoonAsync(connection, execution?.NextAttemptAt, now, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
        return execution;
    }

    /// <summary>Redrives every dead execution of a schedule; returns them.</summary>
    public async Task<IReadOnlyList<ExecutionRecord>> RedriveScheduleAsync(string tenant, Guid scheduleId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var executions = (await connection.QueryAsync<ExecutionRecord>(new CommandDefinition(HistorySql.Redrive,
            new { Tenant = tenant, Id = (Guid?)null, ScheduleId = (Guid?)scheduleId, Now = now }, transaction, cancellationToken: cancellationToken))).AsList();
        if (executions.Count > 0)
        {
            // One row for the schedule, whatever the count: which executions it redrove is in their own attempt history.
            await AuditLog.AppendAsync(connection, transaction, "schedule", "redrive-dead", scheduleId, executions[0].ScheduleName, null,
                new { Redriven = executions.Count }, now, cancellationToken);
        }
        await DueNotifications.NotifyIfSoonAsync(connection, executions.Count > 0 ? now : null, now, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
        return executions;
    }
}
