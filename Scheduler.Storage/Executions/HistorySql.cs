namespace Scheduler.Storage.Executions;

/// <summary>The SQL behind the API's view of executions: history, manual triggers, redrives.</summary>
internal static class HistorySql
{
    internal const string Columns =
        """
        e.id, e.schedule_id as ScheduleId, e.schedule_name as ScheduleName, e.scheduled_for as ScheduledFor, e.origin,
        e.occurrences, e.status, e.attempt, e.max_attempts as MaxAttempts, e.next_attempt_at as NextAttemptAt,
        e.last_error as LastError, e.last_status_code as LastStatusCode, e.created_at as CreatedAt,
        e.first_attempt_at as FirstAttemptAt, e.completed_at as CompletedAt, e.note, e.outage_id as OutageId,
        e.completion::text as CompletionJson, e.delivered_at as DeliveredAt, e.run_deadline as RunDeadline, e.heartbeat_at as HeartbeatAt,
        e.progress, e.message, e.output::text as OutputJson, e.code_version as CodeVersion, e.logs_url as LogsUrl,
        e.cancel_requested_at as CancelRequestedAt, e.workflow_run_id as WorkflowRunId, e.step_id as StepId, e.run_attempt as RunAttempt,
        coalesce(e.end_reason, case when e.status = 'dead' then 'delivery-failed' end) as EndReason,
        e.logical_date as LogicalDate, e.interval_start as IntervalStart, e.interval_end as IntervalEnd, e.parameters::text as ParametersJson,
        e.backfill_id as BackfillId
        """;

    // Newest first; ids are time-ordered, so "before the cursor id" is a stable keyset.
    public const string List =
        $"""
        select {Columns} from executions e
        where e.tenant = @Tenant
          and (@ScheduleId::uuid is null or e.schedule_id = @ScheduleId)
          and (@Status::text is null or e.status = @Status)
          and (@Before::uuid is null or e.id < @Before)
        order by e.id desc
        limit @Limit
        """;

    // Each schedule's newest occurrence, by the (schedule_id, scheduled_for) index: one probe per schedule.
    public const string Latest =
        $"""
        select {Columns} from unnest(@Ids::uuid[]) as s(id)
        cross join lateral (
            select * from executions x where x.tenant = @Tenant and x.schedule_id = s.id order by x.scheduled_for desc limit 1) e
        """;

    public const string Get = $"select {Columns} from executions e where e.tenant = @Tenant and e.id = @Id";

    public const string Attempts =
        """
        select attempt, executor_id as ExecutorId, started_at as StartedAt, duration_ms as DurationMs, outcome,
               status_code as StatusCode, error, run_status as RunStatus, run_finished_at as RunFinishedAt,
               run_duration_ms as RunDurationMs, run_error as RunError, code_version as CodeVersion, logs_url as LogsUrl,
               late_report as LateReport
        from execution_attempts where execution_id = @Id order by attempt
        """;

    // Fire now, out of band: a pending execution due at once, which any executor leases on its next poll. It is not an
    // occurrence (the unique index on occurrences leaves it out), so it never takes or blocks one, whatever date it is for.
    public const string Trigger =
        $"""
        insert into executions as e (id, schedule_id, tenant, schedule_name, scheduled_for, origin, status, attempt,
                                     max_attempts, next_attempt_at, target, created_at, completion, logical_date, interval_start,
                                     interval_end, parameters)
        select @Id, s.id, s.tenant, s.name, @Now, 'manual', 'pending', 0, s.max_attempts, @Now, s.target, @Now, s.completion,
               @LogicalDate, @IntervalStart, @IntervalEnd, @Parameters::jsonb
        from schedules s
        where s.tenant = @Tenant and s.id = @ScheduleId and s.state <> 'deleted'
        returning {Columns}
        """;

    // A redrive gives a dead execution a fresh budget of attempts under the same id, whatever killed it (its delivery, its
    // worker's failure, a timeout). It delivers to the schedule's current target and completion (fix the URL, then redrive),
    // or to the old ones if the schedule was deleted.
    public const string Redrive =
        $"""
        update executions e
        set status = 'pending', next_attempt_at = @Now, completed_at = null, end_reason = null,
            max_attempts = e.attempt + s.max_attempts,
            target = case when s.state <> 'deleted' then s.target else e.target end,
            completion = case when s.state <> 'deleted' then s.completion else e.completion end
        from schedules s
        where s.id = e.schedule_id and e.tenant = @Tenant and e.status = 'dead'
          and (e.id = @Id or (@Id::uuid is null and e.schedule_id = @ScheduleId))
        returning {Columns}
        """;
}
