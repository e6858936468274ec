-- The audit trail: every change made through the API, the UI or the CLI, written in the transaction of the change itself
-- (so a change and its audit row commit together or not at all). Append-only: rows are never updated or deleted.
create table audit_events (
    id             uuid primary key,
    tenant         text        not null,
    at             timestamptz not null,
    -- Who: the API key's id (or 'bootstrap', 'auth-disabled') and name.
    actor_key_id   text        not null,
    actor_name     text,
    source         text        not null check (source in ('api', 'ui', 'cli')),
    action         text        not null,
    object_type    text        not null,
    object_id      uuid        not null,
    object_name    text,
    -- The object before and after, as the API shows it: secrets as ***.
    before         jsonb,
    after          jsonb,
    -- The source revision a declarative apply sent (a git commit), and whether its tree had uncommitted changes.
    revision       text,
    revision_dirty boolean
);
create index audit_events_tenant on audit_events (tenant, id desc);
create index audit_events_object on audit_events (object_id, id desc);

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only: rows are never updated or deleted';
end $$;
create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_events_append_only();
