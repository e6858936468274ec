using Dapper;
using Npgsql;
using Scheduler.Common.Backfills;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Results;
using Scheduler.Storage.Workflows;
using Scheduler.Storage.Audit;

namespace Scheduler.Storage.Backfills;

/// <summary>The job a backfill runs: a schedule or a workflow (exactly one).</summary>
public sealed record BackfillJob(string Tenant, Guid? ScheduleId, Guid? WorkflowId, string Name)
{
    public Guid Id => ScheduleId ?? WorkflowId!.Value;
}

/// <summary>A backfill as created (or as a dry run would create it): the runs it makes, and those an earlier backfill covers.</summary>
/// <param name="Backfill">The stored backfill; null for a dry run.</param>
public sealed record BackfillCreated(BackfillRecord? Backfill, IReadOnlyList<PlannedRun> Runs, IReadOnlySet<DataInterval> Covered);

/// <summary>What became of a change asked of a backfill.</summary>
public enum BackfillChangeStatus { Done, NotFound, VersionMismatch, Finished }

public sealed record BackfillChange(BackfillChangeStatus Status, BackfillRecord? Backfill = null);

/// <summary>The API's side of backfills: create (or plan), read, pause, resume, cancel. <see cref="BackfillProgress"/> runs them.</summary>
public sealed class BackfillStore(NpgsqlDataSource dataSource, ResultStore results, RunStore runs)
{
    /// <summary>
    /// Creates the backfill and starts its first runs (or, for a dry run, only says what it would make), leaving out the intervals
    /// an earlier backfill of the job covers unless the plan asks to rerun them.
    /// </summary>
    public async Task<BackfillCreated> CreateAsync(BackfillJob job, BackfillPlan plan, string parametersJson, bool dryRun, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(BackfillSql.LockJob, new { JobId = job.Id }, transaction, cancellationToken: cancellationToken));
        var covered = plan.Rerun
            ? new HashSet<DataInterval>()
            : (await connection.QueryAsync<(DateTimeOffset Start, DateTimeOffset End)>(new CommandDefinition(BackfillSql.Covered, new
            {
                JobId = job.Id,
                Starts = plan.Runs.Select(r => r.Interval.Start).ToArray(),
                Ends = plan.Runs.Select(r => r.Interval.End).ToArray(),
            }, transaction, cancellationToken: cancellationToken))).Select(c => new DataInterval(c.Start, c.End)).ToHashSet();
        var toRun = plan.Runs.Where(r => !covered.Contains(r.Interval)).ToList();
        if (dryRun)
        {
            return new BackfillCreated(null, plan.Runs, covered);
        }
        var id = Guid.CreateVersion7(now);
        var backfill = await connection.QuerySingleAsync<BackfillRecord>(new CommandDefinition(BackfillSql.Insert, new
        {
            Id = id,
            job.Tenant,
            job.ScheduleId,
            job.WorkflowId,
            JobName = job.Name,
            RangeStart = plan.Start,
            RangeEnd = plan.End,
            Batch = plan.Batch.ToString().ToLowerInvariant(),
            plan.MaxActiveRuns,
            Parameters = parametersJson,
            plan.Rerun,
            Total = toRun.Count,
            Covered = plan.Runs.Count - toRun.Count,
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(BackfillSql.InsertRuns, new
        {
            BackfillId = id,
            JobId = job.Id,
            Seqs = Enumerable.Range(0, toRun.Count).ToArray(),
            LogicalDates = toRun.Select(r => r.LogicalDate).ToArray(),
            Starts = toRun.Select(r => r.Interval.Start).ToArray(),
            Ends = toRun.Select(r => r.Interval.End).ToArray(),
        }, transaction, cancellationToken: cancellationToken));
        await BackfillProgress.AdvanceAsync(connection, transaction, [id], now, cancellationToken);
        backfill = await ReadAsync(connection, transaction, job.Tenant, id, cancellationToken);
        await AuditLog.AppendAsync(connection, transaction, "backfill", "create", id, job.Name, null, backfill, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new BackfillCreated(backfill, plan.Runs, covered);
    }

    public async Task<BackfillRecord?> GetAsync(string tenant, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the row and its counts.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var backfill = await ReadAsync(connection, transaction, tenant, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return backfill;
    }

    /// <summary>A page, newest first, with the same counts as <see cref="GetAsync"/>.</summary>
    public async Task<IReadOnlyList<BackfillRecord>> ListAsync(string tenant, Guid? scheduleId, Guid? workflowId, string? status, Guid? before, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the rows and their counts.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var page = (await connection.QueryAsync<BackfillRecord>(new CommandDefinition(BackfillSql.List, new
        {
            Tenant = tenant,
            ScheduleId = scheduleId,
            WorkflowId = workflowId,
            Status = status,
            Before = before,
            Limit = limit,
        }, transaction, cancellationToken: cancellationToken))).AsList();
        if (page.Count > 0)
        {
            Count(page, await connection.QueryAsync<Outcomes>(new CommandDefinition(BackfillSql.Outcomes, new { Ids = page.Select(b => b.Id).ToArray() },
                transaction, cancellationToken: cancellationToken)));
        }
        await transaction.CommitAsync(cancellationToken);
        return page;
    }

    /// <summary>A page of the backfill's runs in order, after run <paramref name="after"/> (-1 for the first page).</summary>
    public async Task<IReadOnlyList<BackfillRunRecord>> RunsAsync(Guid id, int after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<BackfillRunRecord>(new CommandDefinition(BackfillSql.Runs, new { Id = id, After = after, Limit = limit },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Pauses: nothing new starts; runs in progress go on.</summary>
    public Task<BackfillChange> PauseAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, b => b.Status == "running" ? "paused" : b.Status == "paused" ? "paused" : null, now, cancellationToken);

    /// <summary>Resumes a paused backfill: its next runs start at once.</summary>
    public Task<BackfillChange> ResumeAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, id, expectedVersion, b => b.Status is "paused" or "running" ? "running" : null, now, cancellationToken);

    /// <summary>Cancels: nothing new starts, and its runs in progress are cancelled (as a cancel of each would).</summary>
    public async Task<BackfillChange> CancelAsync(string tenant, Guid id, int? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var change = await ChangeAsync(tenant, id, expectedVersion, b => b.Status is "running" or "paused" ? "cancelled" : null, now, cancellationToken);
        if (change.Status != BackfillChangeStatus.Done)
        {
            return change;
        }
        // After the backfill's commit, in transactions of their own: each locks its execution or run first, then (ending) the backfill.
        List<Guid> unfinished;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            unfinished = (await connection.QueryAsync<Guid>(new CommandDefinition(BackfillSql.Unfinished, new { Id = id },
                cancellationToken: cancellationToken))).AsList();
        }
        foreach (var work in unfinished)
        {
            if (change.Backfill!.ScheduleId is not null)
            {
                await results.CancelAsync(tenant, work, now, cancellationToken);
            }
            else
            {
                await runs.CancelAsync(tenant, work, now, cancellationToken);
            }
        }
        return new BackfillChange(BackfillChangeStatus.Done, await GetAsync(tenant, id, cancellationToken));
    }

    private async Task<BackfillChange> ChangeAsync(string tenant, Guid id, int? expectedVersion, Func<BackfillRecord, string?> next, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await connection.QuerySingleOrDefaultAsync<BackfillRecord>(new CommandDefinition(BackfillSql.LockForChange,
            new { Tenant = tenant, Id = id }, transaction, cancellationToken: cancellationToken));
        if (current is null)
        {
            return new BackfillChange(BackfillChangeStatus.NotFound);
        }
        if (expectedVersion is { } version && version != current.Version)
        {
            return new BackfillChange(BackfillChangeStatus.VersionMismatch, current);
        }
        if (next(current) is not { } status)
        {
            return new BackfillChange(BackfillChangeStatus.Finished, await ReadAsync(connection, transaction, tenant, id, cancellationToken));
        }
        if (status != current.Status)
        {
            await connection.ExecuteAsync(new CommandDefinition(BackfillSql.SetStatus, new { Id = id, Status = status, Now = now }, transaction,
                cancellationToken: cancellationToken));
        }
        if (status == "running")
        {
            await BackfillProgress.AdvanceAsync(connection, transaction, [id], now, cancellationToken);
        }
        var changed = await ReadAsync(connection, transaction, tenant, id, cancellationToken);
        if (status != current.Status)
        {
            await AuditLog.AppendAsync(connection, transaction, "backfill", status switch { "paused" => "pause", "running" => "resume", _ => "cancel" }, id,
                current.JobName, current, changed, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new BackfillChange(BackfillChangeStatus.Done, changed);
    }

    private static async Task<BackfillRecord?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, Guid id,
        CancellationToken cancellationToken)
    {
        await using var batch = await connection.QueryMultipleAsync(new CommandDefinition(BackfillSql.Get + ";\n" + BackfillSql.Outcomes,
            new { Tenant = tenant, Id = id, Ids = new[] { id } }, transaction, cancellationToken: cancellationToken));
        var backfill = await batch.ReadSingleOrDefaultAsync<BackfillRecord>();
        var outcomes = await batch.ReadAsync<Outcomes>();
        if (backfill is not null)
        {
            Count([backfill], outcomes);
        }
        return backfill;
    }

    private static void Count(IReadOnlyList<BackfillRecord> backfills, IEnumerable<Outcomes> outcomes)
    {
        var byId = outcomes.ToDictionary(o => o.Id);
        foreach (var backfill in backfills)
        {
            (backfill.Succeeded, backfill.Failed) = byId.TryGetValue(backfill.Id, out var o) ? (o.Succeeded, o.Failed) : (0, 0);
        }
    }

    private sealed record Outcomes(Guid Id, int Succeeded, int Failed);
}
