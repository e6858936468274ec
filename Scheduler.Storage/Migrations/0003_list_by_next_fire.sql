-- Listing sorted by next fire time (nulls last, as the API sorts) without reading the whole table.
create index schedules_tenant_next_fire on schedules (tenant, next_fire_at, id) where state <> 'deleted';
