-- Which tenants may use each broker connection (and the Kafka cluster), with the prefixes of the topics, exchanges or
-- subjects each may publish to, as the executors are configured ({"orders": {"acme": ["billing."]}, "kafka": {...}}):
-- published with the heartbeat so that the API refuses at write what the executors refuse at delivery.
alter table executors add column grants jsonb not null default '{}'::jsonb;

-- Each executor's attempts and failures per tenant ({"acme": [attempts, failures]}): a tenant sees its own, never the
-- fleet's. One entry per tenant the process delivered for, replaced at each heartbeat.
alter table executors add column tenant_counts jsonb not null default '{}'::jsonb;
