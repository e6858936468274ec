using Scheduler.Storage.Results;

namespace Scheduler.Storage.Backfills;

/// <summary>The SQL for <c>backfills</c> and <c>backfill_runs</c>.</summary>
internal static class BackfillSql
{
    private const string Columns =
        """
        b.id, b.tenant, b.schedule_id as ScheduleId, b.workflow_id as WorkflowId, b.job_name as JobName, b.range_start as RangeStart,
        b.range_end as RangeEnd, b.batch, b.max_active_runs as MaxActiveRuns, b.parameters::text as Parameters, b.rerun, b.status,
        b.total, b.covered, b.started, b.version, b.created_at as CreatedAt, b.updated_at as UpdatedAt, b.finished_at as FinishedAt
        """;

    // A backfill's runs in progress: its executions not yet ended, or its workflow runs queued or running (through the
    // (backfill_id, status) indexes, so the scan covers only those few).
    private const string ActiveExecutions =
        $"(select count(*)::int from executions x where x.backfill_id = b.id and x.status in ({ResultSql.UnfinishedStatuses}))";

    private const string ActiveRuns =
        "(select count(*)::int from workflow_runs r where r.backfill_id = b.id and r.status in ('queued', 'running'))";

    public const string Active = $"case when b.schedule_id is not null then {ActiveExecutions} else {ActiveRuns} end";

    // Serialises creating backfills of one job, so that two at once cannot both miss the other's intervals (a transaction
    // lock: released at commit, and safe behind a transaction-pooling PgBouncer).
    public const string LockJob = "select pg_advisory_xact_lock(hashtextextended(@JobId::text, 0))";

    // The intervals an earlier backfill of the job has run, is running or is still to run: not made again without rerun.
    public const string Covered =
        """
        select distinct u.s as Start, u.e as End
        from unnest(@Starts::timestamptz[], @Ends::timestamptz[]) as u(s, e)
        join backfill_runs br on br.job_id = @JobId and br.interval_start = u.s and br.interval_end = u.e
        join backfills b on b.id = br.backfill_id
        left join executions x on x.id = br.execution_id
        left join workflow_runs r on r.id = br.run_id
        where (br.execution_id is null and br.run_id is null and b.status in ('running', 'paused'))
           or x.status not in ('dead', 'cancelled', 'skipped')
           or r.status not in ('failed', 'cancelled')
        """;

    public const string Insert =
        $"""
        insert into backfills as b (id, tenant, schedule_id, workflow_id, job_name, range_start, range_end, batch, max_active_runs, parameters,
                                    rerun, status, total, covered, created_at, updated_at, finished_at)
        values (@Id, @Tenant, @ScheduleId, @WorkflowId, @JobName, @RangeStart, @RangeEnd, @Batch, @MaxActiveRuns, @Parameters::jsonb,
                @Rerun, case when @Total = 0 then 'completed' else 'running' end, @Total, @Covered, @Now, @Now, case when @Total = 0 then @Now end)
        returning {Columns}
        """;

    public const string InsertRuns =
        """
        insert into backfill_runs (backfill_id, seq, job_id, logical_date, interval_start, interval_end)
        select @BackfillId, u.seq, @JobId, u.logical_date, u.s, u.e
        from unnest(@Seqs::int[], @LogicalDates::timestamptz[], @Starts::timestamptz[], @Ends::timestamptz[]) as u(seq, logical_date, s, e)
        """;

    public const string Get = $"select {Columns}, {Active} as Active from backfills b where b.tenant = @Tenant and b.id = @Id";

    public const string Lock = $"select {Columns} from backfills b where b.id = @Id for no key update";

    public const string LockForChange = $"select {Columns} from backfills b where b.tenant = @Tenant and b.id = @Id for no key update";

    // The runs that may start now: as many as are free under max_active_runs, in order (each statement of the batch this is
    // sent in reads after the lock on the backfill was granted).
    public const string Startable =
        $"""
        select seq, logical_date as LogicalDate, interval_start as IntervalStart, interval_end as IntervalEnd
        from backfill_runs
        where backfill_id = @Id and seq >= (select started from backfills where id = @Id)
        order by seq
        limit (select greatest(0, b.max_active_runs - {Active}) from backfills b where b.id = @Id and b.status = 'running')
        """;

    public const string CountActive = $"select {Active} from backfills b where b.id = @Id";

    // A schedule's backfill runs: executions due now, with the schedule's current target and result tracking; their backfill
    // runs marked; a wake-up for the executors (on commit). Returns how many were made (none when the schedule was deleted).
    public const string InsertExecutions =
        $"""
        with made as (
        insert into executions (id, schedule_id, tenant, schedule_name, scheduled_for, origin, status, attempt, max_attempts, next_attempt_at,
                                target, created_at, completion, logical_date, interval_start, interval_end, parameters, backfill_id)
        select u.id, s.id, s.tenant, s.name, @Now, 'backfill', 'pending', 0, s.max_attempts, @Now, s.target, @Now, s.completion,
               u.logical_date, u.s, u.e, @Parameters::jsonb, @Id
        from unnest(@Ids::uuid[], @LogicalDates::timestamptz[], @Starts::timestamptz[], @Ends::timestamptz[]) as u(id, logical_date, s, e)
        join schedules s on s.id = @ScheduleId and s.state <> 'deleted'
        returning id
        ), marked as (
            update backfill_runs br set execution_id = u.id
            from unnest(@Seqs::int[], @Ids::uuid[]) as u(seq, id)
            where br.backfill_id = @Id and br.seq = u.seq and u.id in (select id from made)
        )
        select (select count(*)::int from made), pg_notify('{DueNotifications.Channel}', '')
        """;

    public const string MarkRun = "update backfill_runs set run_id = @RunId where backfill_id = @Id and seq = @Seq";

    public const string Started = "update backfills set started = started + @Count, updated_at = @Now where id = @Id";

    public const string Finish =
        "update backfills set status = @Status, finished_at = @Now, updated_at = @Now, version = version + 1 where id = @Id and status in ('running', 'paused')";

    public const string SetStatus =
        $"""
        update backfills b set status = @Status, version = b.version + 1, updated_at = @Now,
            finished_at = case when @Status in ('completed', 'cancelled') then @Now end
        where b.id = @Id
        returning {Columns}
        """;

    // Keyset paging, newest first.
    public const string List =
        $"""
        select {Columns}, {Active} as Active from backfills b
        where b.tenant = @Tenant
          and (@ScheduleId::uuid is null or b.schedule_id = @ScheduleId)
          and (@WorkflowId::uuid is null or b.workflow_id = @WorkflowId)
          and (@Status::text is null or b.status = @Status)
          and (@Before::uuid is null or b.id < @Before)
        order by b.id desc
        limit @Limit
        """;

    // The runs of each backfill by how they ended, for one backfill or a listed page (the one count both show): one pass over
    // their started runs, through the primary key of backfill_runs.
    public const string Outcomes =
        """
        select br.backfill_id as Id,
            coalesce(sum(case when coalesce(x.status, r.status) = 'succeeded' then 1 else 0 end), 0)::int as Succeeded,
            coalesce(sum(case when coalesce(x.status, r.status) in ('dead', 'failed', 'cancelled', 'skipped') then 1 else 0 end), 0)::int as Failed
        from backfill_runs br
        left join executions x on x.id = br.execution_id
        left join workflow_runs r on r.id = br.run_id
        where br.backfill_id = any(@Ids) and (br.execution_id is not null or br.run_id is not null)
        group by br.backfill_id
        """;

    public const string Runs =
        """
        select br.seq, br.logical_date as LogicalDate, br.interval_start as IntervalStart, br.interval_end as IntervalEnd,
               br.execution_id as ExecutionId, br.run_id as RunId, coalesce(x.status, r.status, 'waiting') as Status
        from backfill_runs br
        left join executions x on x.id = br.execution_id
        left join workflow_runs r on r.id = br.run_id
        where br.backfill_id = @Id and br.seq > @After
        order by br.seq
        limit @Limit
        """;

    // What a cancel asks to stop: the runs started and not ended.
    public const string Unfinished =
        $"""
        select x.id from executions x where x.backfill_id = @Id and x.status in ({ResultSql.UnfinishedStatuses})
        union all
        select r.id from workflow_runs r where r.backfill_id = @Id and r.status in ('queued', 'running')
        """;
}
