namespace Scheduler.Storage.Outages;

/// <summary>The SQL for <c>outages</c>.</summary>
internal static class OutageSql
{
    private const string Columns =
        """
        id, tenant, name, description, starts_at as StartsAt, ends_at as EndsAt, policy, labels::text as labels,
        cancelled_at as CancelledAt, version, created_at as CreatedAt, updated_at as UpdatedAt, managed_by as ManagedBy
        """;

    public const string Insert =
        $"""
        insert into outages (id, tenant, name, description, starts_at, ends_at, policy, labels, created_at, updated_at, managed_by)
        values (@Id, @Tenant, @Name, @Description, @StartsAt, @EndsAt, @Policy, @Labels::jsonb, @Now, @Now, @ManagedBy)
        on conflict (tenant, name) do nothing
        returning {Columns}
        """;

    public const string Get = $"select {Columns} from outages where tenant = @Tenant and id = @Id";

    public const string LockForChange = $"select {Columns} from outages where tenant = @Tenant and id = @Id for update";

    // State filters are on time, so they are conditions rather than a column.
    public const string List =
        $"""
        select {Columns} from outages
        where tenant = @Tenant and (@After::uuid is null or id > @After)
          and (@State::text is null
               or (@State = 'cancelled' and cancelled_at is not null)
               or (@State = 'planned' and cancelled_at is null and starts_at > @Now)
               or (@State = 'in-force' and cancelled_at is null and starts_at <= @Now and ends_at > @Now)
               or (@State = 'ended' and cancelled_at is null and ends_at <= @Now))
        order by id
        limit @Limit
        """;

    // What the UI's banner shows: the outages in force now, for this tenant.
    public const string InForce =
        $"select {Columns} from outages where tenant = @Tenant and cancelled_at is null and starts_at <= @Now and ends_at > @Now order by ends_at limit 20";

    public const string Update =
        $"""
        update outages
        set name = @Name, description = @Description, starts_at = @StartsAt, ends_at = @EndsAt, policy = @Policy, labels = @Labels::jsonb,
            version = version + 1, updated_at = @Now, managed_by = coalesce(@ManagedBy, managed_by)
        where id = @Id
        returning {Columns}
        """;

    public const string Cancel =
        $"update outages set cancelled_at = @Now, version = version + 1, updated_at = @Now where id = @Id returning {Columns}";

    public const string EndNow =
        $"update outages set ends_at = @Now, version = version + 1, updated_at = @Now where id = @Id returning {Columns}";

    // An outage write and the claims exclude each other (the write exclusively, each claim shared, for their transactions):
    // a claim either committed before the write, so the write's recall sees what it leased, or reads the outage once the
    // write has committed. A claim pays one in-memory lock; outage writes are rare.
    public const string WriteGate = "select 1 from pg_advisory_xact_lock(hashtext('scheduleman.outage-write'))";

    public const string ClaimGate = "select 1 from pg_advisory_xact_lock_shared(hashtext('scheduleman.outage-write'))";

    // An outage written now: the occurrences inside it that executors claimed ahead (leased, or pending until their jitter,
    // and due after now, so never attempted: they fire never early) are recalled as the claim would have planned them with the outage there. Skip: each is skipped.
    // Defer: the first of each schedule's becomes the pending execution that fires at the end for them, the others are
    // recorded skipped into it. The executors holding them hear of it (DueNotifications) and drop them. Delivering rows are
    // what executors hold in memory (the leased index), pending ones a bounded range of the pending index: no history.
    public const string RecallClaimed =
        """
        with hit as (
            select e.id, e.schedule_id, e.scheduled_for
            from executions e join schedules s on s.id = e.schedule_id
            where (e.status = 'delivering'
                   -- A jittered occurrence is claimed as pending until its jittered instant (at most MaxJitter after it).
                   or (e.status = 'pending' and e.next_attempt_at >= greatest(@StartsAt, @Now) and e.next_attempt_at < @EndsAt + @MaxJitter))
              and e.origin = 'schedule' and e.tenant = @Tenant
              and e.scheduled_for > @Now and e.scheduled_for >= @StartsAt and e.scheduled_for < @EndsAt
              and s.labels @> @Labels::jsonb
            order by e.id
            for update of e
        ), ranked as (
            select id, row_number() over (partition by schedule_id order by scheduled_for) as n, count(*) over (partition by schedule_id) as total
            from hit
        )
        update executions e
        set status = case when @Defer and r.n = 1 then 'pending' else 'skipped' end,
            origin = case when @Defer and r.n = 1 then 'deferred' else e.origin end,
            occurrences = case when @Defer and r.n = 1 then r.total::int else e.occurrences end,
            next_attempt_at = case when @Defer and r.n = 1 then @EndsAt end,
            completed_at = case when @Defer and r.n = 1 then null else @Now end,
            attempt = 0, lease_owner = null, leased_until = null, outage_id = @Id,
            note = case when not @Defer then @SkipNote when r.n = 1 then @DeferNote else @FoldNote end
        from ranked r
        where e.id = r.id
        returning e.id
        """;

    // The claim: outages that may cover an occurrence from the earliest due schedule (the due index's first entry) to the
    // horizon. Through outages_live, so only those not yet ended; sent in the same round trip as the lock.
    public const string Live =
        $"""
        select {Columns} from outages
        where cancelled_at is null and starts_at <= @Horizon
          and ends_at > (select min(next_fire_at) from schedules where next_fire_at is not null)
        """;

    // Ending (or cancelling) an outage early: the occurrences it deferred fire now, and the schedules it held move back.
    public const string ReleaseDeferred =
        """
        update executions set next_attempt_at = @Now
        where outage_id = @Id and status = 'pending' and next_attempt_at > @Now
        returning schedule_id
        """;

    public const string LockSchedules =
        """
        select id, kind, cron, time_zone as TimeZone, run_at as RunAt, delay, calendar_id as CalendarId, timing::text as TimingJson,
               next_fire_at as NextFireAt
        from schedules
        where id = any(@Ids) and state = 'active' and next_fire_at > @Now
        order by id
        for update
        """;

    public const string MoveSchedules =
        """
        update schedules s set next_fire_at = u.next_fire_at, updated_at = @Now
        from unnest(@Ids::uuid[], @NextFireAts::timestamptz[]) as u(id, next_fire_at)
        where s.id = u.id and u.next_fire_at is not null
        """;
}
