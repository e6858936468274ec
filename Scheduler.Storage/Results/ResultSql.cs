namespace Scheduler.Storage.Results;

/// <summary>The SQL of result tracking: runs in progress, reports, cancellation, the overlap policy's buffer.</summary>
internal static class ResultSql
{
    // Runs in progress: the statuses that have a run_deadline (a CHECK), as the executions_runs index lists them.
    public const string RunStatuses = "'delivered', 'running', 'failed', 'cancelling'";

    // Tracked executions not yet finished, as the executions_unfinished index lists them.
    public const string UnfinishedStatuses = $"'pending', 'delivering', {RunStatuses}, 'waiting'";

    // An execution's (alias e) run timeout, and the longest silence allowed between reports (the run timeout without a heartbeat timeout).
    private const string RunTimeout = "(e.completion->>'runTimeout')::interval";
    private const string Silence = $"coalesce((e.completion->>'heartbeatTimeout')::interval, {RunTimeout})";

    // A run's first deadline, from its delivery: the earlier of its run timeout and its heartbeat timeout.
    public const string FirstDeadline = $"least({RunTimeout}, {Silence})";

    // A CTE body: starts the occurrence the overlap policy buffered for each tracked run that has just ended, given a CTE
    // named "updated" of the changed rows (schedule_id, status, completion).
    public const string ReleaseWaiting =
        """
        update executions w set status = 'pending', next_attempt_at = @Now
        from updated f
        where f.completion is not null and f.status in ('succeeded', 'dead', 'cancelled') and f.backfill_id is null
          and w.schedule_id = f.schedule_id and w.completion is not null and w.status = 'waiting'
        """;

    // The claim, part 0: runs past their deadline, and runs whose worker reported failure (due at once), for the executor
    // to retry, dead-letter or end as cancelled (RunEnding) in the same transaction.
    public const string Unfinished =
        $"""
        select id, status, attempt, max_attempts as MaxAttempts, run_deadline as RunDeadline, delivered_at as DeliveredAt,
               completion::text as CompletionJson
        from executions
        where status in ({RunStatuses}) and run_deadline <= @Now
        order by run_deadline, id
        limit @Batch
        for update skip locked
        """;

    public const string EndRuns =
        $"""
        with r as (
            select * from unnest(@Ids::uuid[], @Statuses::text[], @NextAttemptAts::timestamptz[], @EndReasons::text[],
                                 @RunStatuses::text[], @Errors::text[])
                as r(id, status, next_attempt_at, end_reason, run_status, error)
        ), updated as (
            update executions e
            set status = r.status, next_attempt_at = r.next_attempt_at, run_deadline = null, end_reason = r.end_reason,
                completed_at = case when r.status in ('dead', 'cancelled') then @Now end,
                last_error = coalesce(r.error, e.last_error)
            from r
            where e.id = r.id
            returning e.id, e.attempt, e.schedule_id, e.status, e.completion, e.delivered_at, e.workflow_run_id, e.backfill_id
        ), attempts as (
            update execution_attempts a
            set run_status = coalesce(r.run_status, a.run_status), run_finished_at = coalesce(a.run_finished_at, @Now),
                run_error = coalesce(a.run_error, r.error)
            from updated u join r on r.id = u.id
            where a.execution_id = u.id and a.attempt = u.attempt
        ), released as (
            {ReleaseWaiting}
        )
        -- The workflow runs whose steps ended here, and the backfills whose runs did: moved on in the same transaction.
        {EndedSteps}
        """;

    // Given a CTE named "updated" (status, workflow_run_id, backfill_id): the runs of the workflow steps, and the backfills of
    // the runs, that have just ended.
    public const string EndedSteps =
        """
        select distinct workflow_run_id as RunId, backfill_id as BackfillId from updated
        where (workflow_run_id is not null or backfill_id is not null) and status in ('succeeded', 'dead', 'cancelled')
        """;

    // A report or a cancel locks the execution first (claims skip it meanwhile), with the reported attempt's run status.
    public const string LockForReport =
        """
        select e.id, e.tenant, e.schedule_id as ScheduleId, e.status, e.attempt, e.completion::text as CompletionJson,
               e.delivered_at as DeliveredAt, e.cancel_requested_at as CancelRequestedAt, e.lease_owner as LeaseOwner,
               (select a.run_status from execution_attempts a where a.execution_id = e.id and a.attempt = @Attempt) as AttemptRunStatus
        from executions e
        where e.id = @Id and (@Tenant::text is null or e.tenant = @Tenant)
        for update
        """;

    // A report on the current attempt of a run in progress (or still being recorded as delivered): the new state, and the
    // attempt's run. Terminal states let the occurrence the overlap policy buffered go.
    public const string ApplyReport =
        $"""
        with updated as (
            update executions e
            set status = @Status,
                lease_owner = null, leased_until = null, next_attempt_at = null,
                delivered_at = coalesce(e.delivered_at, @Now),
                run_deadline = case when @Status in ('running', 'cancelling') then least(
                        coalesce(e.delivered_at, @Now) + {RunTimeout}, @Now + {Silence})
                    when @Status = 'failed' then @Now end,
                heartbeat_at = case when @ReportStatus = 'running' then @Now else e.heartbeat_at end,
                progress = coalesce(@Progress, e.progress),
                message = coalesce(@Message, e.message),
                output = coalesce(@Output::jsonb, e.output),
                last_error = coalesce(@Error, e.last_error),
                code_version = coalesce(@CodeVersion, e.code_version),
                logs_url = coalesce(@LogsUrl, e.logs_url),
                first_attempt_at = coalesce(e.first_attempt_at, @Now),
                completed_at = case when @Status in ('succeeded', 'cancelled') then @Now end
            where e.id = @Id
            returning {Executions.HistorySql.Columns}, e.schedule_id, e.completion, e.delivered_at, e.backfill_id
        ), attempt as (
            insert into execution_attempts as a (execution_id, attempt, executor_id, started_at, duration_ms, outcome, run_status,
                                                 run_finished_at, run_duration_ms, run_error, code_version, logs_url)
            select @Id, @Attempt, coalesce(@LeaseOwner, 'unknown'), @Now, 0, 'succeeded', @RunStatus,
                   case when @Terminal then @Now end,
                   case when @Terminal then extract(epoch from @Now - u.delivered_at) * 1000 end,
                   @Error, @CodeVersion, @LogsUrl
            from updated u
            on conflict (execution_id, attempt) do update
            set run_status = excluded.run_status,
                run_finished_at = coalesce(excluded.run_finished_at, a.run_finished_at),
                run_duration_ms = coalesce(excluded.run_duration_ms, a.run_duration_ms),
                run_error = coalesce(excluded.run_error, a.run_error),
                code_version = coalesce(excluded.code_version, a.code_version),
                logs_url = coalesce(excluded.logs_url, a.logs_url)
        ), released as (
            {ReleaseWaiting}
        )
        -- The row as the update left it (a plain select here would see the statement's snapshot, from before).
        select * from updated
        """;

    // A report that came too late changes nothing but is kept with the attempt it was about.
    public const string RecordLateReport =
        """
        update execution_attempts set late_report = @LateReport
        where execution_id = @Id and attempt = @Attempt
        """;

    public const string Get = $"select {Executions.HistorySql.Columns} from executions e where e.id = @Id";

    // Cancelling: a run in progress is asked to stop (cancelling); one not started yet (or between attempts) ends at once;
    // one being delivered is marked, and the delivery's outcome makes it cancelling or cancelled.
    public const string Cancel =
        $"""
        with updated as (
            update executions e
            set status = @Status, cancel_requested_at = coalesce(e.cancel_requested_at, @Now),
                next_attempt_at = case when @Status = 'pending' then e.next_attempt_at end,
                run_deadline = case when @Status in ({RunStatuses}) then e.run_deadline end,
                completed_at = case when @Status = 'cancelled' then @Now end
            where e.id = @Id
            returning e.schedule_id, e.status, e.completion, e.backfill_id
        ), released as (
            {ReleaseWaiting}
        )
        select count(*) from updated
        """;
}
