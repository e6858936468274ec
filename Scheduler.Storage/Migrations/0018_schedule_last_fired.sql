-- When a schedule last fired, apart from updated_at: the claim used to bump updated_at at every fire, so "updated" moved
-- every few seconds while the definition (and its version) stayed the same. The claim writes this column instead, in the
-- same update it already makes (no extra statement, no wider row to speak of).
alter table schedules add column last_fired_at timestamptz;
