-- Executors report themselves here (for the UI and statistics; never needed for correctness).
create table executors (
    id           text primary key,
    host         text not null,
    version      text not null,
    started_at   timestamptz not null,
    last_seen_at timestamptz not null,
    -- Delivery attempts and failed attempts since this process started.
    attempts     bigint not null default 0,
    failures     bigint not null default 0
);

-- Statistics read attempts by time.
create index execution_attempts_started on execution_attempts (started_at);
