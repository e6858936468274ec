-- Retention: finished history older than a window is deleted in batches (Scheduler.Storage/Retention). Each index covers
-- exactly the rows a batch may delete, oldest first, so a batch reads what it deletes and nothing it keeps, however much
-- history is kept (dead letters use executions_dead, which exists).
create index executions_finished on executions (completed_at)
    where status in ('succeeded', 'skipped', 'cancelled') and workflow_run_id is null and backfill_id is null;
create index workflow_runs_finished on workflow_runs (finished_at)
    where status in ('succeeded', 'failed', 'cancelled') and backfill_id is null;
