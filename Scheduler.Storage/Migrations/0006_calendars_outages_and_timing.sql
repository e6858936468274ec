-- Business-day calendars: weekend days and dated holidays, read by schedules in their own time zone.
create table calendars (
    id            uuid primary key,
    tenant        text        not null,
    name          text        not null check (length(name) between 1 and 200),
    description   text,
    -- 0 = Sunday … 6 = Saturday.
    weekend_days  int[]       not null check (weekend_days <@ array[0, 1, 2, 3, 4, 5, 6] and cardinality(weekend_days) < 7),
    -- [{"date": "2026-12-25", "name": "Christmas Day"}, …], sorted by date.
    holidays      jsonb       not null default '[]' check (jsonb_typeof(holidays) = 'array'),
    version       int         not null default 1,
    created_at    timestamptz not null,
    updated_at    timestamptz not null,
    unique (tenant, name)
);

-- Scheduled outages: a window in which the matching schedules' occurrences are skipped or deferred to its end.
create table outages (
    id            uuid primary key,
    tenant        text        not null,
    name          text        not null check (length(name) between 1 and 200),
    description   text,
    starts_at     timestamptz not null,
    ends_at       timestamptz not null,
    policy        text        not null check (policy in ('skip', 'defer')),
    -- Applies to the schedules whose labels contain all of these ({}: every schedule of the tenant).
    labels        jsonb       not null default '{}',
    cancelled_at  timestamptz,
    version       int         not null default 1,
    created_at    timestamptz not null,
    updated_at    timestamptz not null,
    check (ends_at > starts_at),
    unique (tenant, name)
);

-- The claim reads the outages that have not ended: a handful, whatever the history.
create index outages_live on outages (ends_at) where cancelled_at is null;

-- The timing language beyond the base timing: a calendar rule, a window, jitter, catch-up (TimingOptions), and
-- manual jobs (no timer at all).
alter table schedules add column calendar_id uuid references calendars (id);
alter table schedules add column timing jsonb;
alter table schedules drop constraint schedules_kind_check;
alter table schedules add constraint schedules_kind_check check (kind in ('cron', 'runAt', 'delay', 'manual'));
-- Was: (kind = 'cron') = (run_at is null); a manual job has neither.
alter table schedules drop constraint schedules_check2;
alter table schedules add constraint schedules_run_at_check check ((kind in ('runAt', 'delay')) = (run_at is not null));
alter table schedules add constraint schedules_calendar_check check (calendar_id is null or kind = 'cron');

-- A calendar edit recomputes the schedules on it; deleting one in use names them.
create index schedules_calendar on schedules (calendar_id) where calendar_id is not null;

-- Executions an outage skipped (or the catch-up policy dropped) are kept as 'skipped', with the reason; an occurrence an
-- outage deferred is pending until the outage ends (origin 'deferred').
alter table executions add column note text;
-- No foreign key: outages are never deleted (only cancelled or ended), and a key would queue a check for every
-- execution the claim inserts.
alter table executions add column outage_id uuid;
alter table executions drop constraint executions_status_check;
alter table executions add constraint executions_status_check check (status in ('pending', 'delivering', 'succeeded', 'dead', 'skipped'));
alter table executions drop constraint executions_origin_check;
alter table executions add constraint executions_origin_check check (origin in ('schedule', 'catchup', 'manual', 'deferred'));
alter table executions drop constraint executions_check2;
alter table executions add constraint executions_completed_check check ((status in ('succeeded', 'dead', 'skipped')) = (completed_at is not null));
create index executions_deferred on executions (outage_id) where status = 'pending' and outage_id is not null;
