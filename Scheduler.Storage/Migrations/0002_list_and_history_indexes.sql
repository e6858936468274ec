-- Listing and filtering schedules, and browsing execution history, at 100,000s of rows.
create extension if not exists pg_trgm;

-- "name contains" filters.
create index schedules_name_trgm on schedules using gin (name gin_trgm_ops);
-- Label filters (labels @> '{"team":"data"}').
create index schedules_labels on schedules using gin (labels jsonb_path_ops);
-- Listing in creation order (ids are time-ordered) within a tenant.
create index schedules_tenant_id on schedules (tenant, id) where state <> 'deleted';

-- Execution lists: newest first, optionally by status (dead letters are status = 'dead').
create index executions_tenant_id on executions (tenant, id desc);
create index executions_status_id on executions (status, id desc);
drop index executions_dead;

-- A redrive gives a dead execution a fresh budget of attempts on top of those it used.
alter table executions drop constraint executions_max_attempts_check;
alter table executions add constraint executions_max_attempts_check check (max_attempts >= 1);
