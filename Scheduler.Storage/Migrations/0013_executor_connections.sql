-- The broker connections each executor has configured (name → type, e.g. {"orders": "rabbitmq"}), reported with its
-- heartbeat, so that the API can refuse a target naming a connection no running executor has. Names only: URIs and
-- credentials stay in the executors' configuration.
alter table executors add column connections jsonb not null default '{}'::jsonb;
