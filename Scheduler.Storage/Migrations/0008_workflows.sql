-- Workflows: DAGs of steps. The definition is data (validated, hashed, versioned); a run is a snapshot of the version it
-- started with; each step of a run is an execution (the same outbox, claim, delivery, reports and timeouts as a schedule's).
create table workflows (
    id              uuid primary key,
    tenant          text        not null default 'default',
    name            text        not null check (length(name) between 1 and 200),
    description     text,
    labels          jsonb       not null default '{}',
    -- The steps as validated (targets with their secrets encrypted, like a schedule's), and the hash of that definition.
    definition      jsonb       not null,
    definition_hash text        not null,
    max_active_runs int         not null check (max_active_runs between 1 and 1000),
    state           text        not null default 'active' check (state in ('active', 'deleted')),
    version         int         not null default 1,
    created_at      timestamptz not null,
    updated_at      timestamptz not null
);
create unique index workflows_tenant_name on workflows (tenant, name) where state <> 'deleted';

create table workflow_runs (
    id                   uuid primary key,
    tenant               text        not null,
    workflow_id          uuid        not null references workflows (id),
    workflow_name        text        not null,
    -- What this run runs, whatever the workflow becomes: the version, its definition and its hash.
    workflow_version     int         not null,
    definition           jsonb       not null,
    definition_hash      text        not null,
    origin               text        not null check (origin in ('manual', 'schedule', 'backfill')),
    -- A schedule's execution that started the run: delivering it twice starts one run.
    trigger_execution_id uuid unique,
    logical_date         timestamptz not null,
    parameters           jsonb       not null default '{}',
    -- queued: waiting for maxActiveRuns; running; then succeeded, failed or cancelled (until a resume or rerun).
    status               text        not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    -- The run's attempt: 1 at start, one more for each resume or rerun.
    attempt              int         not null default 1 check (attempt >= 1),
    cancel_requested_at  timestamptz,
    created_at           timestamptz not null,
    started_at           timestamptz,
    finished_at          timestamptz,
    updated_at           timestamptz not null,
    check ((status in ('succeeded', 'failed', 'cancelled')) = (finished_at is not null)),
    check ((status = 'queued') = (started_at is null))
);
create index workflow_runs_workflow on workflow_runs (workflow_id, id desc);
create index workflow_runs_tenant on workflow_runs (tenant, id desc);
create index workflow_runs_active on workflow_runs (workflow_id, id) where status in ('queued', 'running');

-- Each attempt of a run: what started it and which steps it runs (all of them for a start; a resume's failed steps; a
-- rerun's step, with what is downstream of it or upstream by the rerunWithDownstream rule). Appended, never rewritten.
create table workflow_run_attempts (
    run_id       uuid        not null references workflow_runs (id),
    attempt      int         not null,
    kind         text        not null check (kind in ('start', 'resume', 'rerun', 'rerunDownstream')),
    steps        text[]      not null,
    requested    text,
    created_at   timestamptz not null,
    primary key (run_id, attempt)
);

-- A step's execution belongs to a run instead of a schedule. Its context (run, step, parameters, upstream outputs) is
-- written when it is created, so the claim reads a column and looks nothing up.
alter table executions alter column schedule_id drop not null;
alter table executions add column workflow_run_id uuid references workflow_runs (id);
alter table executions add column step_id text;
alter table executions add column run_attempt int;
alter table executions add column step_context jsonb;
alter table executions add constraint executions_owner_check check ((schedule_id is null) = (workflow_run_id is not null));
alter table executions add constraint executions_step_check
    check ((workflow_run_id is null) = (step_id is null) and (step_id is null) = (run_attempt is null));
-- One execution per step per run attempt: a step is never created twice.
create unique index executions_steps on executions (workflow_run_id, step_id, run_attempt) where workflow_run_id is not null;

alter table executions drop constraint executions_origin_check;
alter table executions add constraint executions_origin_check check (origin in ('schedule', 'catchup', 'manual', 'deferred', 'workflow'));
-- A step not run because its trigger rule can no longer be met: an upstream step failed, or (oneFailed) none did.
alter table executions drop constraint executions_end_reason_check;
alter table executions add constraint executions_end_reason_check
    check (end_reason in ('delivery-failed', 'worker-failed', 'timed-out', 'worker-silent', 'upstream-failed', 'rule-unmet'));
