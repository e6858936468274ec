-- Stored secrets are bound to what they protect (format enc:v2, docs/security.md "Ciphertext bound to its owner"). SQL
-- cannot encrypt, so the migrate step re-encrypts older values itself (Scheduler.Storage/Secrets/SecretReencryption) once
-- per active key: a row here says every stored secret was found in the current form under that key, so later runs of
-- migrate skip the scan (it reads every execution's target) until Secrets:Key changes.
create table secret_reencryptions (
    key_id      text        primary key,
    rewritten   bigint      not null,
    finished_at timestamptz not null
);
