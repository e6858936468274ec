namespace Scheduler.Storage.Statistics;

/// <summary>The SQL behind executors and statistics. Windows are bounded by @Since (attempts started after it).</summary>
internal static class StatisticsSql
{
    public const string Heartbeat =
        """
        insert into executors (id, host, version, started_at, last_seen_at, attempts, failures, connections, grants, tenant_counts)
        values (@Id, @Host, @Version, @StartedAt, @Now, @Attempts, @Failures, @Connections::jsonb, @Grants::jsonb, @TenantCounts::jsonb)
        on conflict (id) do update
        set host = excluded.host, version = excluded.version, started_at = excluded.started_at,
            last_seen_at = excluded.last_seen_at, attempts = excluded.attempts, failures = excluded.failures,
            connections = excluded.connections, grants = excluded.grants, tenant_counts = excluded.tenant_counts
        """;

    // The counts are the caller's tenant's alone (tenant_counts -> @Tenant): the process-wide ones would show other
    // tenants' traffic.
    public const string Executors =
        """
        select id, host, version, started_at as StartedAt, last_seen_at as LastSeenAt,
               coalesce((tenant_counts -> @Tenant ->> 0)::bigint, 0) as Attempts,
               coalesce((tenant_counts -> @Tenant ->> 1)::bigint, 0) as Failures,
               connections::text as ConnectionsJson
        from executors order by last_seen_at desc limit 500
        """;

    public const string LiveConnections =
        """
        select connections::text as ConnectionsJson, grants::text as GrantsJson
        from executors where last_seen_at >= @Since and (connections <> '{}'::jsonb or grants <> '{}'::jsonb)
        """;

    // One row per attempt in the window, with what it belongs to; every aggregate below reads this. A lost attempt (its executor
    // was lost while delivering it) counts as an attempt and a failure, but has no delivery duration: its duration_ms is how
    // long its lease held it, so the duration percentiles leave it out.
    private const string Window =
        """
        with a as (
            select a.execution_id, a.attempt, a.executor_id, a.outcome, a.duration_ms, a.started_at,
                   e.schedule_id, e.schedule_name, e.scheduled_for,
                   case e.target->>'type'
                        when 'webhook' then substring(e.target->>'url' from '^[a-zA-Z]+://([^/?#]+)')
                        when 'kafka' then 'kafka/' || (e.target->>'topic')
                        when 'rabbitmq' then 'rabbitmq/' || (e.target->>'connection') || '/' || coalesce(e.target->>'exchange', '(default)')
                        when 'nats' then 'nats/' || (e.target->>'connection') || '/' || (e.target->>'subject')
                   end as target_host
            from execution_attempts a
            join executions e on e.id = a.execution_id
            where e.tenant = @Tenant and a.started_at >= @Since
        )
        """;

    public const string Totals =
        Window +
        """
        select count(*) as Attempts,
               count(*) filter (where outcome = 'succeeded') as Succeeded,
               count(*) filter (where outcome = 'failed') as Failed,
               count(*) filter (where outcome = 'timeout') as TimedOut,
               -- Attempts whose executor was lost while delivering them (their lease expired).
               count(*) filter (where outcome = 'lost') as Lost,
               (select count(*) from executions e where e.tenant = @Tenant and e.status = 'dead' and e.completed_at >= @Since) as DeadLettered,
               percentile_cont(0.95) within group (order by duration_ms) filter (where outcome <> 'lost') as P95DurationMs,
               percentile_cont(0.95) within group (order by extract(epoch from started_at - scheduled_for) * 1000)
                   filter (where attempt = 1) as P95LatenessMs
        from a
        """;

    public const string Schedules =
        Window +
        """
        select schedule_id as ScheduleId, min(schedule_name) as ScheduleName, count(*) as Attempts,
               count(*) filter (where outcome = 'succeeded') as Succeeded,
               count(*) filter (where outcome <> 'succeeded') as Failures,
               percentile_cont(0.95) within group (order by duration_ms) filter (where outcome <> 'lost') as P95DurationMs,
               percentile_cont(0.95) within group (order by extract(epoch from started_at - scheduled_for) * 1000)
                   filter (where attempt = 1) as P95LatenessMs
        -- A workflow's steps have no schedule: each is counted as its own job, named workflow/step.
        from a group by schedule_id, case when schedule_id is null then schedule_name end
        -- Most failures first; among equals, the worst failure rate.
        order by count(*) filter (where outcome <> 'succeeded') desc,
                 count(*) filter (where outcome <> 'succeeded')::float8 / count(*) desc, schedule_id
        limit @Limit
        """;

    public const string Targets =
        Window +
        """
        select target_host as Host, count(*) as Attempts,
               count(*) filter (where outcome = 'failed') as Failed,
               count(*) filter (where outcome = 'timeout') as TimedOut,
               percentile_cont(0.95) within group (order by duration_ms) filter (where outcome <> 'lost') as P95DurationMs
        from a group by target_host
        order by count(*) filter (where outcome <> 'succeeded') desc,
                 count(*) filter (where outcome <> 'succeeded')::float8 / count(*) desc, target_host
        limit @Limit
        """;

    public const string ByExecutor =
        Window +
        """
        select executor_id as ExecutorId, count(*) as Attempts,
               count(*) filter (where outcome <> 'succeeded') as Failures,
               max(started_at) as LastAttemptAt
        from a group by executor_id
        order by count(*) desc
        limit @Limit
        """;

    // Finished runs (result tracking) per schedule: how they ended and how long the successful ones took.
    public const string Runs =
        """
        with r as (
            select e.schedule_id, e.schedule_name, a.run_status, a.run_duration_ms
            from execution_attempts a
            join executions e on e.id = a.execution_id
            where e.tenant = @Tenant and a.run_finished_at >= @Since and a.run_finished_at is not null
        )
        select schedule_id as ScheduleId, min(schedule_name) as ScheduleName, count(*) as Runs,
               count(*) filter (where run_status = 'succeeded') as Succeeded,
               count(*) filter (where run_status = 'failed') as Failed,
               count(*) filter (where run_status in ('timed-out', 'worker-silent')) as TimedOut,
               percentile_cont(0.5) within group (order by run_duration_ms) filter (where run_status = 'succeeded') as P50DurationMs,
               percentile_cont(0.95) within group (order by run_duration_ms) filter (where run_status = 'succeeded') as P95DurationMs
        from r group by schedule_id, case when schedule_id is null then schedule_name end
        order by count(*) filter (where run_status <> 'succeeded') desc, count(*) desc, schedule_id
        limit @Limit
        """;

    // Runs in progress now, with their schedule's usual (p95) successful duration over the window — computed once per
    // schedule that has a run in progress, not once per run: the ones taking too long.
    public const string RunsInProgress =
        """
        with running as (
            select e.id, e.schedule_id, e.schedule_name, e.status, e.delivered_at, e.run_deadline
            from executions e
            where e.tenant = @Tenant and e.status in ('delivered', 'running', 'cancelling')
            order by e.delivered_at
            limit @Limit
        ), usual as (
            select x.schedule_id, percentile_cont(0.95) within group (order by a.run_duration_ms) as p95, count(*) as samples
            from execution_attempts a join executions x on x.id = a.execution_id
            where x.schedule_id in (select schedule_id from running) and a.run_status = 'succeeded'
              and a.run_finished_at >= @Since and a.run_finished_at is not null
            group by x.schedule_id
        )
        select r.id as ExecutionId, r.schedule_id as ScheduleId, r.schedule_name as ScheduleName, r.status, r.delivered_at as DeliveredAt,
               r.run_deadline as Deadline, u.p95 as UsualP95Ms, coalesce(u.samples, 0) as UsualSamples
        from running r left join usual u on u.schedule_id = r.schedule_id
        order by r.delivered_at
        """;
}
