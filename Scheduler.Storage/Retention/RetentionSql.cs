namespace Scheduler.Storage.Retention;

/// <summary>The SQL of one retention batch. Each delete reads its own partial index, oldest first, and stops at the batch size.</summary>
internal static class RetentionSql
{
    // One deleter at a time across every executor (transaction-scoped: safe behind a transaction pooler).
    public const string Lock = "select pg_try_advisory_xact_lock(hashtext('scheduleman.retention'))";

    // Finished executions of schedules (a workflow's steps go with their run; a backfill's stay with it). Attempts cascade.
    public const string Finished =
        """
        with doomed as (
            select id from executions
            where status in ('succeeded', 'skipped', 'cancelled') and workflow_run_id is null and backfill_id is null and completed_at < @Cutoff
            order by completed_at
            limit @Batch
        ), deleted as (
            delete from executions e using doomed d where e.id = d.id returning 1
        )
        select count(*) from deleted
        """;

    // Dead letters are kept longer (they are what someone has to look at); a redriven one is pending again, so not here.
    public const string DeadLetters =
        """
        with doomed as (
            select id from executions
            where status = 'dead' and workflow_run_id is null and backfill_id is null and completed_at < @DeadCutoff
            order by completed_at desc
            limit @Batch
        ), deleted as (
            delete from executions e using doomed d where e.id = d.id returning 1
        )
        select count(*) from deleted
        """;

    // Finished workflow runs, with their steps' executions and the run's attempts (the foreign keys are checked at the
    // statement's end, when all three are gone).
    public const string Runs =
        """
        with doomed as (
            select id from workflow_runs
            where status in ('succeeded', 'failed', 'cancelled') and backfill_id is null and finished_at < @Cutoff
            order by finished_at
            limit @RunBatch
        ), steps as (
            delete from executions e using doomed d where e.workflow_run_id = d.id returning 1
        ), attempts as (
            delete from workflow_run_attempts a using doomed d where a.run_id = d.id returning 1
        ), runs as (
            delete from workflow_runs w using doomed d where w.id = d.id returning 1
        )
        select (select count(*) from runs) as Runs, (select count(*) from steps) as Steps
        """;
}
