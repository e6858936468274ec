-- Schedules: the definitions, and next_fire_at, which the executors claim by.
create table schedules (
    id              uuid primary key,
    tenant          text        not null default 'default',
    name            text        not null check (length(name) between 1 and 200),
    description     text,
    labels          jsonb       not null default '{}',
    kind            text        not null check (kind in ('cron', 'runAt', 'delay')),
    cron            text,
    time_zone       text,
    run_at          timestamptz,
    delay           interval,
    target          jsonb       not null,
    max_attempts    int         not null check (max_attempts between 1 and 100),
    state           text        not null default 'active' check (state in ('active', 'paused', 'completed', 'deleted')),
    -- NULL when nothing is pending; only an active schedule has something pending.
    next_fire_at    timestamptz check (next_fire_at is null or state = 'active'),
    version         int         not null default 1,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    check ((kind = 'cron') = (cron is not null and time_zone is not null)),
    check ((kind = 'cron') = (run_at is null)),
    check ((kind = 'delay') = (delay is not null))
);

-- A deleted schedule frees its name; its history stays.
create unique index schedules_tenant_name on schedules (tenant, name) where state <> 'deleted';

-- The claim's index: only schedules with something pending are in it, so a poll costs the same
-- however many schedules are paused, completed or far in the future... up to the LIMIT it reads.
create index schedules_due on schedules (next_fire_at, id) where next_fire_at is not null;

-- Executions: one row per occurrence (the outbox and the history).
create table executions (
    id               uuid primary key,
    schedule_id      uuid        not null references schedules (id),
    tenant           text        not null,
    schedule_name    text        not null,
    scheduled_for    timestamptz not null,
    -- schedule: an occurrence; catchup: one fire standing for occurrences missed while nothing ran.
    origin           text        not null check (origin in ('schedule', 'catchup', 'manual')),
    -- How many occurrences this execution stands for (more than 1 only for a catch-up).
    occurrences      int         not null default 1 check (occurrences >= 1),
    status           text        not null check (status in ('pending', 'delivering', 'succeeded', 'dead')),
    -- Delivery attempts started so far (the attempt in flight included).
    attempt          int         not null default 0 check (attempt >= 0),
    max_attempts     int         not null check (max_attempts between 1 and 100),
    next_attempt_at  timestamptz,
    lease_owner      text,
    leased_until     timestamptz,
    -- The target as it was when the occurrence was created: what every attempt delivers to.
    target           jsonb       not null,
    last_error       text,
    last_status_code int,
    created_at       timestamptz not null,
    first_attempt_at timestamptz,
    completed_at     timestamptz,
    unique (schedule_id, scheduled_for),
    check ((status = 'pending') = (next_attempt_at is not null)),
    check ((status = 'delivering') = (lease_owner is not null and leased_until is not null)),
    check ((status in ('succeeded', 'dead')) = (completed_at is not null))
);

create index executions_pending on executions (next_attempt_at, id) where status = 'pending';
create index executions_leased on executions (leased_until, id) where status = 'delivering';
create index executions_dead on executions (completed_at desc, id) where status = 'dead';
create index executions_schedule on executions (schedule_id, scheduled_for desc);

-- Every delivery attempt, for history and diagnosis.
create table execution_attempts (
    execution_id  uuid        not null references executions (id) on delete cascade,
    attempt       int         not null,
    executor_id   text        not null,
    started_at    timestamptz not null,
    duration_ms   double precision not null,
    outcome       text        not null check (outcome in ('succeeded', 'failed', 'timeout')),
    status_code   int,
    error         text,
    primary key (execution_id, attempt)
);
