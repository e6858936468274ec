namespace Scheduler.Storage.Schedules;

/// <summary>The SQL for <c>schedules</c>.</summary>
internal static class ScheduleSql
{
    private const string Columns =
        """
        id, tenant, name, description, labels::text as labels, kind, cron, time_zone as TimeZone, run_at as RunAt,
        delay, target::text as target, max_attempts as MaxAttempts, state, next_fire_at as NextFireAt, version,
        created_at as CreatedAt, updated_at as UpdatedAt, calendar_id as CalendarId, timing::text as TimingJson,
        completion::text as CompletionJson, parameters::text as ParametersJson, secret_refs as SecretRefs, managed_by as ManagedBy,
        last_fired_at as LastFiredAt
        """;

    public const string Insert =
        $"""
        insert into schedules (id, tenant, name, description, labels, kind, cron, time_zone, run_at, delay, target,
                               max_attempts, state, next_fire_at, created_at, updated_at, calendar_id, timing, completion, parameters, secret_refs, managed_by)
        values (@Id, @Tenant, @Name, @Description, @Labels::jsonb, @Kind, @Cron, @TimeZone, @RunAt, @Delay, @Target::jsonb,
                @MaxAttempts, @State, @NextFireAt, @Now, @Now, @CalendarId, @Timing::jsonb, @Completion::jsonb, @Parameters::jsonb, @SecretRefs, @ManagedBy)
        -- A live schedule of the same name wins: the caller reports a conflict.
        on conflict (tenant, name) where state <> 'deleted' do nothing
        returning {Columns}
        """;

    public const string Get =
        $"""
        select {Columns} from schedules
        where tenant = @Tenant and id = @Id and state <> 'deleted'
        """;

    // Filters and keyset conditions are appended by ScheduleStore.ListAsync; every value is a parameter.
    public const string ListBase =
        $"""
        select {Columns} from schedules
        where tenant = @Tenant and state <> 'deleted'
        """;

    // Changes lock the row first: the claim skips it meanwhile, and the version check is exact.
    public const string LockForChange =
        $"""
        select {Columns} from schedules
        where tenant = @Tenant and id = @Id and state <> 'deleted'
        for update
        """;

    public const string Replace =
        $"""
        update schedules
        set name = @Name, description = @Description, labels = @Labels::jsonb, kind = @Kind, cron = @Cron,
            time_zone = @TimeZone, run_at = @RunAt, delay = @Delay, target = @Target::jsonb, max_attempts = @MaxAttempts,
            state = @State, next_fire_at = @NextFireAt, version = version + 1, updated_at = @Now, calendar_id = @CalendarId,
            timing = @Timing::jsonb, completion = @Completion::jsonb, parameters = @Parameters::jsonb, secret_refs = @SecretRefs,
            managed_by = coalesce(@ManagedBy, managed_by)
        where id = @Id
        returning {Columns}
        """;

    public const string SetState =
        $"""
        update schedules
        set state = @State, next_fire_at = @NextFireAt, version = version + 1, updated_at = @Now
        where id = @Id
        returning {Columns}
        """;

    // The claim, part 1: lock a bounded batch of due schedules; rows another executor holds are skipped. The calendar's
    // version tells the executor whether its copy is current: a subquery on the calendar's primary key, run only for the
    // rows the limit returns. (A join here let the planner sort every due row before the limit: 3x slower claims in a burst.)
    // Likewise, a schedule with an overlap policy counts its unfinished runs (0, 1 or 2+) in the small unfinished index.
    public const string LockDue =
        $"""
        select id, name, tenant, kind, cron, time_zone as TimeZone, run_at as RunAt, target::text as target,
               max_attempts as MaxAttempts, next_fire_at as NextFireAt, calendar_id as CalendarId,
               case when calendar_id is not null then (select c.version from calendars c where c.id = schedules.calendar_id) end as CalendarVersion,
               timing::text as TimingJson, labels::text as Labels, completion::text as CompletionJson, parameters::text as ParametersJson,
               case when completion->>'overlap' in ('skip', 'bufferOne') then (
                   select count(*) from (
                       select 1 from executions x
                       where x.schedule_id = schedules.id and x.completion is not null
                         and x.status in ({Results.ResultSql.UnfinishedStatuses}) and x.backfill_id is null
                       limit 2) u)
               else 0 end as Unfinished
        from schedules
        where next_fire_at <= @Horizon
        order by next_fire_at, id
        limit @Batch
        for update skip locked
        """;

    // The claim, part 3: move each claimed schedule to its next occurrence (or complete a one-shot) and note the latest
    // occurrence it took to fire. updated_at stays the definition's: a fire is not an update.
    public const string Advance =
        """
        update schedules s
        set next_fire_at = u.next_fire_at, state = u.state, last_fired_at = coalesce(u.last_fired_at, s.last_fired_at)
        from unnest(@Ids::uuid[], @NextFireAts::timestamptz[], @States::text[], @LastFiredAts::timestamptz[]) as u(id, next_fire_at, state, last_fired_at)
        where s.id = u.id
        """;

    // Work that is due and not yet claimed (counted up to a bound, through the partial indexes).
    public const string DueBacklog =
        """
        select (select count(*) from (select 1 from schedules where next_fire_at <= @Now limit 1000000) s)
             + (select count(*) from (select 1 from executions where status = 'pending' and next_attempt_at <= @Now limit 1000000) e)
        """;

    // The earliest instant each kind of work becomes claimable, one probe of a partial index each: a claim asks this first
    // (in one round trip, outside a transaction) and stops when nothing is, and the executor sleeps no longer than the least.
    public const string Earliest =
        $"""
        select (select min(next_fire_at) from schedules where next_fire_at is not null) as NextFire,
               (select min(next_attempt_at) from executions where status = 'pending') as NextAttempt,
               (select min(leased_until) from executions where status = 'delivering') as LeaseExpiry,
               (select min(run_deadline) from executions where status in ({Results.ResultSql.RunStatuses})) as RunDeadline
        """;
}
