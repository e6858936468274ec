-- API keys: only a SHA-256 hash of each key is kept (keys are 256 random bits, so a fast hash is enough).
create table api_keys (
    id          uuid primary key,
    tenant      text not null,
    name        text not null,
    -- read < write < admin; each includes the ones before it.
    scope       text not null check (scope in ('read', 'write', 'admin')),
    key_hash    bytea not null unique,
    -- The key's first characters, to tell keys apart in listings without revealing them.
    prefix      text not null,
    created_at  timestamptz not null,
    revoked_at  timestamptz
);

create index api_keys_tenant on api_keys (tenant, created_at);
