using Scheduler.Common.Executions;
using Scheduler.Storage.Results;

namespace Scheduler.Storage.Executions;

/// <summary>The SQL for <c>executions</c> and <c>execution_attempts</c>.</summary>
internal static class ExecutionSql
{
    private const string ClaimedColumns =
        """
        e.id, e.tenant, e.schedule_id as ScheduleId, e.schedule_name as ScheduleName, e.scheduled_for as ScheduledFor, e.origin,
        e.occurrences, e.attempt, e.max_attempts as MaxAttempts, e.target::text as target, e.completion::text as CompletionJson,
        e.step_context::text as StepContextJson, e.logical_date as LogicalDate, e.interval_start as IntervalStart,
        e.interval_end as IntervalEnd, e.parameters::text as ParametersJson, e.backfill_id as BackfillId
        """;

    // The claim, part 2: the executions the locked schedules' plans make. Those due within the lookahead are leased to this
    // executor; those due later (jitter, an outage's deferral) are pending until then; skipped ones are recorded as done.
    // Only the leased ones come back (the caller knows when each is due).
    public const string InsertPlanned =
        $"""
        with inserted as (
            insert into executions as e (id, schedule_id, tenant, schedule_name, scheduled_for, origin, occurrences, status,
                                    attempt, max_attempts, lease_owner, leased_until, next_attempt_at, target, created_at,
                                    completed_at, note, outage_id, completion, interval_start, interval_end, parameters)
            select u.id, u.schedule_id, u.tenant, u.schedule_name, u.scheduled_for, u.origin, u.occurrences, u.status,
                   case when u.status = 'delivering' then 1 else 0 end, u.max_attempts,
                   case when u.status = 'delivering' then @Owner end, case when u.status = 'delivering' then u.leased_until end,
                   case when u.status = 'pending' then u.due_at end, u.target::jsonb, @Now,
                   case when u.status = 'skipped' then @Now end, u.note, u.outage_id, u.completion::jsonb,
                   u.interval_start, case when u.interval_start is not null then u.scheduled_for end, u.parameters::jsonb
            from unnest(@Ids::uuid[], @ScheduleIds::uuid[], @Tenants::text[], @Names::text[], @ScheduledFors::timestamptz[],
                        @Origins::text[], @Occurrences::int[], @MaxAttempts::int[], @LeasedUntils::timestamptz[], @Targets::text[],
                        @Statuses::text[], @DueAts::timestamptz[], @Notes::text[], @OutageIds::uuid[], @Completions::text[],
                        @IntervalStarts::timestamptz[], @Parameters::text[])
                 as u(id, schedule_id, tenant, schedule_name, scheduled_for, origin, occurrences, max_attempts, leased_until, target,
                      status, due_at, note, outage_id, completion, interval_start, parameters)
            -- An occurrence that already has an execution is not fired twice.
            on conflict (schedule_id, scheduled_for) where origin in ('schedule', 'catchup', 'deferred') do nothing
            returning {ClaimedColumns}, e.status
        )
        select * from inserted where status = 'delivering'
        """;

    // The claim, part 0 (with the due schedules, in the first round trip): deliveries whose lease expired before their outcome
    // was written, for LeaseLoss to decide in this transaction: delivered again, or dead at the last attempt. Through the
    // executions_leased index; the count reads the execution's own attempts (its primary key, at most max_attempts rows).
    public const string LockExpiredLeases =
        $"""
        select e.id, e.attempt, e.max_attempts as MaxAttempts, e.lease_owner as LeaseOwner, e.leased_until as LeasedUntil,
               (e.target->>'timeout')::interval as Timeout, e.cancel_requested_at is not null as CancelRequested,
               (select count(*)::int from execution_attempts a where a.execution_id = e.id and a.outcome = '{LeaseLoss.Outcome}') as LostBefore
        from executions e
        where e.status = 'delivering' and e.leased_until < @Now
        order by e.leased_until, e.id
        limit @Batch
        for update of e skip locked
        """;

    // What LeaseLoss decided, with each lost attempt kept in the history (the executor that held it; started when its lease
    // says it was due, and as long as the lease). Released to pending, they are leased again by this very claim (LeaseDue);
    // dead or cancelled, they end like any other work: the buffered occurrence goes, a workflow run or backfill moves on.
    public const string EndLostLeases =
        $"""
        with l as (
            select * from unnest(@Ids::uuid[], @Attempts::int[], @Owners::text[], @StartedAts::timestamptz[], @Durations::float8[],
                                 @Statuses::text[], @NextAttemptAts::timestamptz[], @EndReasons::text[], @Errors::text[])
                as l(id, attempt, owner, started_at, duration_ms, status, next_attempt_at, end_reason, error)
        ), updated as (
            update executions e
            set status = l.status, next_attempt_at = l.next_attempt_at, lease_owner = null, leased_until = null,
                last_status_code = null, last_error = l.error, end_reason = l.end_reason,
                completed_at = case when l.status in ('dead', 'cancelled') then @Now end
            from l
            where e.id = l.id and e.status = 'delivering'
            returning e.id, e.schedule_id, e.status, e.completion, e.workflow_run_id, e.backfill_id
        ), attempts as (
            insert into execution_attempts (execution_id, attempt, executor_id, started_at, duration_ms, outcome, error)
            select l.id, l.attempt, l.owner, l.started_at, l.duration_ms, '{LeaseLoss.Outcome}', l.error from l
            -- The lost executor may come back and write what it did after all (RecordOutcomes): then its outcome replaces this.
            on conflict (execution_id, attempt) do nothing
        ), released as (
            {ResultSql.ReleaseWaiting}
        )
        {ResultSql.EndedSteps}
        """;

    // The claim, part 4: lease executions that are pending and due (retries, manual triggers, redrives, and the lost leases
    // just released). Each lease covers the wait until due, the call's timeout and a margin; the attempt counter moves on
    // here, when the delivery is leased, so that a lease lost with its executor counts against max_attempts like any attempt.
    public const string LeaseDue =
        $"""
        with picked as (
            select id, next_attempt_at as due_at from executions
            where status = 'pending' and next_attempt_at <= @Horizon
            order by next_attempt_at, id
            limit @Batch
            for update skip locked
        )
        update executions e
        set status = 'delivering',
            attempt = e.attempt + 1,
            next_attempt_at = null,
            lease_owner = @Owner,
            leased_until = greatest(picked.due_at, @Now) + (e.target->>'timeout')::interval + @LeaseMargin
        from picked
        where e.id = picked.id
        returning {ClaimedColumns}, greatest(picked.due_at, @Now) as DueAt
        """;

    // Outcomes of a batch of attempts. Only the current lease holder may move an execution on: if our lease
    // expired and another executor took over, its outcome counts. Every attempt is kept in the history.
    // With completion, a delivered trigger starts a run (delivered, until the worker reports or the run deadline passes);
    // a cancel asked for meanwhile makes it cancelling, or ends a failed attempt as cancelled instead of retrying it.
    // (The CASEs read the row as it was; a tracked run that ends here lets the occurrence its overlap policy buffered go.)
    private const string Outcomes =
        """
        o as (
            select * from unnest(@Ids::uuid[], @Attempts::int[], @Statuses::text[], @NextAttemptAts::timestamptz[],
                                 @StatusCodes::int[], @Errors::text[], @StartedAts::timestamptz[], @Durations::float8[],
                                 @Outcomes::text[])
                as o(id, attempt, status, next_attempt_at, status_code, error, started_at, duration_ms, outcome)
        )
        """;

    private const string UpdateExecutions =
        $"""
        update executions e
        set status = case
                when o.status = 'succeeded' and e.completion is not null then case when e.cancel_requested_at is null then 'delivered' else 'cancelling' end
                when o.status = 'pending' and e.cancel_requested_at is not null then 'cancelled'
                else o.status end,
            next_attempt_at = case when e.cancel_requested_at is null then o.next_attempt_at end,
            lease_owner = null,
            leased_until = null,
            last_status_code = o.status_code,
            last_error = o.error,
            first_attempt_at = coalesce(e.first_attempt_at, o.started_at),
            completed_at = case
                when o.status = 'succeeded' and e.completion is null then @Now
                when o.status = 'dead' or (o.status = 'pending' and e.cancel_requested_at is not null) then @Now end,
            end_reason = case when o.status = 'dead' then 'delivery-failed' end,
            delivered_at = case when o.status = 'succeeded' and e.completion is not null then @Now end,
            run_deadline = case when o.status = 'succeeded' and e.completion is not null then @Now + {ResultSql.FirstDeadline} end
        from o
        where e.id = o.id and e.status = 'delivering' and e.lease_owner = @Owner and e.attempt = o.attempt
        """;

    private const string InsertAttempts =
        """
        insert into execution_attempts as a (execution_id, attempt, executor_id, started_at, duration_ms, outcome, status_code, error)
        select o.id, o.attempt, @Owner, o.started_at, o.duration_ms, o.outcome, o.status_code, o.error from o
        -- A worker may have reported (and so made this row) before the delivery's outcome got here.
        on conflict (execution_id, attempt) do update
        set executor_id = excluded.executor_id, started_at = excluded.started_at, duration_ms = excluded.duration_ms,
            outcome = excluded.outcome, status_code = excluded.status_code, error = excluded.error
        """;

    // A batch with no tracked execution: one statement, as before result tracking. No report can race these rows (so
    // the order in which it locks executions and attempt rows does not matter), and none can be cancelled while it is
    // being delivered, so none of the tracked cases apply.
    public const string RecordOutcomes =
        $"""
        with {Outcomes}, updated as (
            update executions e
            set status = o.status,
                next_attempt_at = o.next_attempt_at,
                lease_owner = null,
                leased_until = null,
                last_status_code = o.status_code,
                last_error = o.error,
                first_attempt_at = coalesce(e.first_attempt_at, o.started_at),
                completed_at = case when o.status in ('succeeded', 'dead') then @Now end,
                end_reason = case when o.status = 'dead' then 'delivery-failed' end
            from o
            where e.id = o.id and e.status = 'delivering' and e.lease_owner = @Owner and e.attempt = o.attempt
        )
        {InsertAttempts}
        """;

    // A batch with tracked executions: two statements sent together (one round trip, in the caller's transaction), in this
    // order, so that executions rows are locked before attempt rows as a worker's report locks them — the two never
    // deadlock — and a tracked run that ends here lets the occurrence its overlap policy buffered go. It returns the
    // workflow runs whose steps ended here (a delivery that dead-lettered), for the caller to move on in that transaction.
    public const string RecordTrackedOutcomes =
        $"""
        with {Outcomes}, updated as (
            {UpdateExecutions}
            returning e.id, e.schedule_id, e.status, e.completion, e.workflow_run_id, e.backfill_id
        ), released as (
            {ResultSql.ReleaseWaiting}
        )
        {ResultSql.EndedSteps};
        with {Outcomes}
        {InsertAttempts}
        """;

    // Graceful shutdown: hand back executions whose attempt has not started, as if never leased.
    public const string Release =
        """
        update executions e
        set status = 'pending', attempt = e.attempt - 1, next_attempt_at = r.due_at, lease_owner = null, leased_until = null
        from unnest(@Ids::uuid[], @DueAts::timestamptz[]) as r(id, due_at)
        where e.id = r.id and e.status = 'delivering' and e.lease_owner = @Owner
        """;
}
