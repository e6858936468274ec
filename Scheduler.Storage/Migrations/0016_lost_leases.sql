-- A lost lease is an attempt: the executor that held it died (or hung, or lost the database) while delivering it. Each one is
-- kept in the history as outcome 'lost', and one at the last attempt ends its execution as dead with end reason 'executor-lost'
-- (a delivery that kills its executor is no longer delivered forever).
-- Both constraints only widen: every existing row satisfies the narrower ones, so they are added NOT VALID (no scan of the
-- history under the table lock; new rows are checked all the same).
alter table executions drop constraint executions_end_reason_check;
alter table executions add constraint executions_end_reason_check
    check (end_reason in ('delivery-failed', 'worker-failed', 'timed-out', 'worker-silent', 'upstream-failed', 'rule-unmet', 'executor-lost')) not valid;
alter table execution_attempts drop constraint execution_attempts_outcome_check;
alter table execution_attempts add constraint execution_attempts_outcome_check
    check (outcome in ('succeeded', 'failed', 'timeout', 'lost')) not valid;
