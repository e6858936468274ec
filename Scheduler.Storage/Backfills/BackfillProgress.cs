using Dapper;
using Npgsql;
using Scheduler.Storage.Workflows;

namespace Scheduler.Storage.Backfills;

/// <summary>
/// Starts a backfill's next runs inside the transaction that ended one of its runs (or created, resumed it): as many as
/// max_active_runs leaves room for, oldest first; completes it when all have started and ended. No loop of its own, so a
/// crash falls on neither side of a run's end and its successor's start. Lock order: an ending execution or run, then the
/// backfill, then (a workflow's backfill) the workflow.
/// </summary>
internal static class BackfillProgress
{
    public static async Task AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<Guid> backfillIds, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        foreach (var id in backfillIds.Distinct().Order())
        {
            await AdvanceOneAsync(connection, transaction, id, now, cancellationToken);
        }
    }

    private static async Task AdvanceOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // One round trip: lock the backfill, then (reading after the lock) the runs that fit and how many are in progress.
        BackfillRecord? backfill;
        List<StartableRun> startable;
        int active;
        await using (var batch = await connection.QueryMultipleAsync(new CommandDefinition(
                         BackfillSql.Lock + ";\n" + BackfillSql.Startable + ";\n" + BackfillSql.CountActive, new { Id = id }, transaction,
                         cancellationToken: cancellationToken)))
        {
            backfill = await batch.ReadSingleOrDefaultAsync<BackfillRecord>();
            startable = (await batch.ReadAsync<StartableRun>()).AsList();
            active = await batch.ReadSingleOrDefaultAsync<int>();
        }
        if (backfill is not { Status: "running" })
        {
            return;
        }
        if (startable.Count == 0)
        {
            if (active == 0 && backfill.Started >= backfill.Total)
            {
                await connection.ExecuteAsync(new CommandDefinition(BackfillSql.Finish, new { Id = id, Status = "completed", Now = now }, transaction,
                    cancellationToken: cancellationToken));
            }
            return;
        }
        var started = backfill.ScheduleId is { } scheduleId
            ? await StartExecutionsAsync(connection, transaction, backfill, scheduleId, startable, now, cancellationToken)
            : await StartRunsAsync(connection, transaction, backfill, startable, now, cancellationToken);
        if (started < startable.Count)
        {
            // Its job was deleted: nothing more can start.
            await connection.ExecuteAsync(new CommandDefinition(BackfillSql.Finish, new { Id = id, Status = "cancelled", Now = now }, transaction,
                cancellationToken: cancellationToken));
            return;
        }
        await connection.ExecuteAsync(new CommandDefinition(BackfillSql.Started, new { Id = id, Count = started, Now = now }, transaction,
            cancellationToken: cancellationToken));
    }

    private static async Task<int> StartExecutionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BackfillRecord backfill, Guid scheduleId,
        List<StartableRun> runs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = runs.Select(_ => Common.TimeOrderedId.New(now)).ToArray();
        // The executions, their backfill runs marked, and a wake-up for the executors: one statement.
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(BackfillSql.InsertExecutions, new
            {
                backfill.Id,
                ScheduleId = scheduleId,
                Now = now,
                Ids = ids,
                Seqs = runs.Select(r => r.Seq).ToArray(),
                LogicalDates = runs.Select(r => r.LogicalDate).ToArray(),
                Starts = runs.Select(r => r.IntervalStart).ToArray(),
                Ends = runs.Select(r => r.IntervalEnd).ToArray(),
                backfill.Parameters,
            }, transaction, cancellationToken: cancellationToken));
    }

    private static async Task<int> StartRunsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BackfillRecord backfill, List<StartableRun> runs,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var workflow = await connection.QuerySingleOrDefaultAsync<WorkflowRecord>(new CommandDefinition(WorkflowSql.Find,
            new { backfill.Tenant, Id = backfill.WorkflowId, Name = (string?)null }, transaction, cancellationToken: cancellationToken));
        if (workflow is null)
        {
            return 0;
        }
        var started = 0;
        foreach (var item in runs)
        {
            var run = await RunStore.StartInAsync(connection, transaction, workflow,
                new RunStart("backfill", item.LogicalDate, backfill.Parameters, null, new(item.IntervalStart, item.IntervalEnd), backfill.Id), now,
                cancellationToken);
            if (run is null)
            {
                return started;
            }
            await connection.ExecuteAsync(new CommandDefinition(BackfillSql.MarkRun, new { backfill.Id, RunId = run.Id, item.Seq }, transaction,
                cancellationToken: cancellationToken));
            started++;
        }
        return started;
    }

    private sealed class StartableRun
    {
        public int Seq { get; init; }
        public DateTimeOffset LogicalDate { get; init; }
        public DateTimeOffset IntervalStart { get; init; }
        public DateTimeOffset IntervalEnd { get; init; }
    }
}
