-- Result tracking: a schedule with `completion` has runs that end when the worker reports (or time out).
alter table schedules add column completion jsonb;

-- The execution's copy of the schedule's completion (like its target): what every attempt of it runs under.
alter table executions add column completion jsonb;
-- The current attempt's run: delivered (the run clock starts), reported running (heartbeat, progress), and the instant
-- it times out (the earlier of the run timeout and the heartbeat timeout), which executors claim like an expired lease.
alter table executions add column delivered_at timestamptz;
alter table executions add column run_deadline timestamptz;
alter table executions add column heartbeat_at timestamptz;
alter table executions add column progress double precision;
alter table executions add column message text;
alter table executions add column output jsonb;
alter table executions add column code_version text;
alter table executions add column logs_url text;
alter table executions add column cancel_requested_at timestamptz;
-- Why a dead (or cancelled) execution ended: its delivery failed, its worker reported failure, it ran past its
-- run timeout, or its worker went silent (no heartbeat in time). NULL on rows dead before this column existed: delivery.
alter table executions add column end_reason text
    check (end_reason in ('delivery-failed', 'worker-failed', 'timed-out', 'worker-silent'));

-- delivered:  delivery succeeded, the worker has not reported yet;  running: it has (heartbeats);
-- failed:     the worker reported failure, an executor retries or dead-letters it at its next claim;
-- cancelling: asked to stop, the worker hears it in the answer to its next report;  cancelled: ended so;
-- waiting:    an occurrence buffered by the overlap policy until the schedule's unfinished run ends.
alter table executions drop constraint executions_status_check;
alter table executions add constraint executions_status_check check (status in (
    'pending', 'delivering', 'delivered', 'running', 'failed', 'cancelling', 'waiting', 'succeeded', 'dead', 'skipped', 'cancelled'));
alter table executions drop constraint executions_completed_check;
alter table executions add constraint executions_completed_check
    check ((status in ('succeeded', 'dead', 'skipped', 'cancelled')) = (completed_at is not null));
alter table executions add constraint executions_run_check
    check ((status in ('delivered', 'running', 'failed', 'cancelling')) = (run_deadline is not null));

-- The executors' timeout claim: only runs in progress are in it.
create index executions_runs on executions (run_deadline, id) where status in ('delivered', 'running', 'failed', 'cancelling');
-- The overlap policy's question "has this schedule an unfinished run?": a probe into the unfinished tracked executions only.
create index executions_unfinished on executions (schedule_id)
    where completion is not null and status in ('pending', 'delivering', 'delivered', 'running', 'failed', 'cancelling', 'waiting');

-- Each attempt's run, as its worker reported it and as it ended.
alter table execution_attempts add column run_status text
    check (run_status in ('running', 'succeeded', 'failed', 'cancelled', 'timed-out', 'worker-silent'));
alter table execution_attempts add column run_finished_at timestamptz;
alter table execution_attempts add column run_duration_ms double precision;
alter table execution_attempts add column run_error text;
alter table execution_attempts add column code_version text;
alter table execution_attempts add column logs_url text;
-- A report that came after the attempt had ended (recorded; it changes nothing).
alter table execution_attempts add column late_report text;

-- Durations per schedule over a window.
create index execution_attempts_run_finished on execution_attempts (run_finished_at) where run_finished_at is not null;
