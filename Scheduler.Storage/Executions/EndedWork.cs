using Npgsql;
using Scheduler.Storage.Backfills;
using Scheduler.Storage.Workflows;

namespace Scheduler.Storage.Executions;

/// <summary>An execution that has just ended, as what it moves on: its workflow run (a step) or its backfill (a backfill's run).</summary>
internal sealed record EndedWork(Guid? RunId, Guid? BackfillId)
{
    /// <summary>Moves on, in the caller's transaction, the runs and backfills whose executions ended there.</summary>
    public static async Task MoveOnAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<EndedWork> ended, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (ended.Count == 0)
        {
            return;
        }
        // A workflow run that finishes moves its own backfill on (RunProgress); a schedule's backfill run moves its backfill here.
        await RunProgress.AdvanceAsync(connection, transaction, ended.Where(e => e.RunId is not null).Select(e => e.RunId!.Value), now, cancellationToken);
        await BackfillProgress.AdvanceAsync(connection, transaction,
            ended.Where(e => e.RunId is null && e.BackfillId is not null).Select(e => e.BackfillId!.Value), now, cancellationToken);
    }
}
