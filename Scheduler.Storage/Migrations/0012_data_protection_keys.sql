-- The API's ASP.NET Data Protection key ring (it signs and encrypts the browser's sign-in cookie and antiforgery tokens),
-- kept where every API replica sees it, so that a sign-in survives a restart and works on every replica. Each key's XML
-- is encrypted with the product's secret key (Secrets:Key) before it is stored.
create table data_protection_keys (
    name       text        primary key,
    xml        text        not null,
    created_at timestamptz not null default now()
);
