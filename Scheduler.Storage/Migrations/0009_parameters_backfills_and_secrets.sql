-- Parameters, data intervals, history mode, backfills and named secrets. Additive only: every new column is nullable or has
-- a default, so the previous release's executors and API keep working against this schema while it rolls out.

-- Declared parameters (name → type, default, required) and the named secrets a target's headers use.
alter table schedules add column parameters jsonb;
alter table schedules add column secret_refs text[] not null default '{}';
alter table workflows add column parameters jsonb;
alter table workflows add column secret_refs text[] not null default '{}';
create index schedules_secret_refs on schedules using gin (secret_refs) where state <> 'deleted' and secret_refs <> '{}';
create index workflows_secret_refs on workflows using gin (secret_refs) where state <> 'deleted' and secret_refs <> '{}';

-- Named secrets: write-only values (SecretBox ciphertext, like webhook secrets), resolved by the executors at delivery.
create table secrets (
    id          uuid primary key,
    tenant      text        not null,
    name        text        not null check (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$'),
    description text,
    value       text        not null,
    version     int         not null default 1,
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    rotated_at  timestamptz,
    unique (tenant, name)
);

-- What a run is for, when it is not simply its scheduled time: the logical date asked for (history mode, a backfill), the
-- data interval it covers, its parameters, its backfill. Written when the execution is created; the claim reads columns only.
alter table executions add column logical_date timestamptz;
alter table executions add column interval_start timestamptz;
alter table executions add column interval_end timestamptz;
alter table executions add column parameters jsonb;
alter table executions add column backfill_id uuid;
alter table executions add constraint executions_interval_check
    check ((interval_start is null) = (interval_end is null) and (interval_start is null or interval_start <= interval_end));
alter table executions drop constraint executions_origin_check;
alter table executions add constraint executions_origin_check
    check (origin in ('schedule', 'catchup', 'manual', 'deferred', 'workflow', 'backfill'));
-- One execution per occurrence of the schedule's own timing; manual and backfill runs (which may be for the same date) are
-- not occurrences, so they leave the live schedule's occurrences alone.
create unique index executions_occurrences on executions (schedule_id, scheduled_for) where origin in ('schedule', 'catchup', 'deferred');
alter table executions drop constraint executions_schedule_id_scheduled_for_key;

alter table workflow_runs add column interval_start timestamptz;
alter table workflow_runs add column interval_end timestamptz;
alter table workflow_runs add column backfill_id uuid;

-- A backfill: a range of a job's history cut into runs, started in order, at most max_active_runs unfinished at once.
create table backfills (
    id              uuid primary key,
    tenant          text        not null,
    schedule_id     uuid references schedules (id),
    workflow_id     uuid references workflows (id),
    job_name        text        not null,
    range_start     timestamptz not null,
    range_end       timestamptz not null,
    batch           text        not null check (batch in ('occurrence', 'day', 'week', 'month')),
    max_active_runs int         not null check (max_active_runs between 1 and 100),
    parameters      jsonb       not null default '{}',
    rerun           boolean     not null default false,
    -- running → completed; paused (nothing new starts) ↔ running; cancelled.
    status          text        not null check (status in ('running', 'paused', 'completed', 'cancelled')),
    total           int         not null,
    -- Intervals an earlier backfill of the job already ran or is running (not run again without rerun).
    covered         int         not null default 0,
    -- The runs started so far: those with seq below this.
    started         int         not null default 0,
    version         int         not null default 1,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    finished_at     timestamptz,
    check ((schedule_id is null) <> (workflow_id is null)),
    check ((status in ('completed', 'cancelled')) = (finished_at is not null))
);
create index backfills_tenant on backfills (tenant, id desc);
create index backfills_schedule on backfills (schedule_id, id desc) where schedule_id is not null;
create index backfills_workflow on backfills (workflow_id, id desc) where workflow_id is not null;

-- Each run a backfill makes, in order; the execution or workflow run once it started.
create table backfill_runs (
    backfill_id    uuid        not null references backfills (id),
    seq            int         not null,
    job_id         uuid        not null,
    logical_date   timestamptz not null,
    interval_start timestamptz not null,
    interval_end   timestamptz not null,
    execution_id   uuid,
    run_id         uuid,
    primary key (backfill_id, seq)
);
-- "Has an earlier backfill of this job run this interval?"
create index backfill_runs_interval on backfill_runs (job_id, interval_start, interval_end);

-- A backfill's unfinished runs, counted each time one ends (the statuses are few, so these scans stay short).
create index executions_backfill on executions (backfill_id, status) where backfill_id is not null;
create index workflow_runs_backfill on workflow_runs (backfill_id, status) where backfill_id is not null;
