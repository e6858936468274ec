-- The declarative source (a `scheduleman apply --source`) that manages an object, so that a prune removes only what
-- that source created and never anything else. Additive: null means "not managed" (made in the API or the UI).
alter table schedules add column managed_by text check (length(managed_by) between 1 and 100);
alter table calendars add column managed_by text check (length(managed_by) between 1 and 100);
alter table outages   add column managed_by text check (length(managed_by) between 1 and 100);
alter table workflows add column managed_by text check (length(managed_by) between 1 and 100);
