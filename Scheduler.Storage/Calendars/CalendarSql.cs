namespace Scheduler.Storage.Calendars;

/// <summary>The SQL for <c>calendars</c>.</summary>
internal static class CalendarSql
{
    private const string Columns =
        """
        c.id, c.tenant, c.name, c.description, c.weekend_days as WeekendDays, c.holidays::text as Holidays, c.version,
        c.created_at as CreatedAt, c.updated_at as UpdatedAt, c.managed_by as ManagedBy
        """;

    // Live schedules on the calendar: shown with it, and the reason it cannot be deleted.
    private const string ScheduleCount =
        "(select count(*)::int from schedules s where s.calendar_id = c.id and s.state <> 'deleted') as Schedules";

    public const string Insert =
        $"""
        insert into calendars as c (id, tenant, name, description, weekend_days, holidays, created_at, updated_at, managed_by)
        values (@Id, @Tenant, @Name, @Description, @WeekendDays, @Holidays::jsonb, @Now, @Now, @ManagedBy)
        on conflict (tenant, name) do nothing
        returning {Columns}, 0 as Schedules
        """;

    public const string Get = $"select {Columns}, {ScheduleCount} from calendars c where c.tenant = @Tenant and c.id = @Id";

    public const string GetByName = $"select {Columns}, {ScheduleCount} from calendars c where c.tenant = @Tenant and c.name = @Name";

    // A schedule's calendar, for the API's and the executors' occurrence maths (schedules name calendars of their own tenant).
    public const string GetById = $"select {Columns} from calendars c where c.id = @Id";

    public const string GetByIds = $"select {Columns} from calendars c where c.id = any(@Ids)";

    public const string List =
        $"""
        select {Columns}, {ScheduleCount} from calendars c
        where c.tenant = @Tenant and (@After::uuid is null or c.id > @After) and (@Name::text is null or c.name ilike @Name escape '\')
        order by c.id
        limit @Limit
        """;

    public const string LockForChange = $"select {Columns} from calendars c where c.tenant = @Tenant and c.id = @Id for update";

    public const string Update =
        $"""
        update calendars c
        set name = @Name, description = @Description, weekend_days = @WeekendDays, holidays = @Holidays::jsonb,
            version = c.version + 1, updated_at = @Now, managed_by = coalesce(@ManagedBy, c.managed_by)
        where c.id = @Id
        returning {Columns}, {ScheduleCount}
        """;

    // The schedules a calendar edit moves: locked, so that a claim in progress finishes first and the next sees the new time.
    public const string LockSchedulesOn =
        """
        select id, name, kind, cron, time_zone as TimeZone, run_at as RunAt, delay, calendar_id as CalendarId, timing::text as TimingJson,
               next_fire_at as NextFireAt
        from schedules
        where calendar_id = @Id and state = 'active' and next_fire_at is not null
        order by id
        for update
        """;

    public const string MoveSchedules =
        """
        update schedules s
        set next_fire_at = u.next_fire_at, state = case when u.next_fire_at is null then 'completed' else s.state end, updated_at = @Now
        from unnest(@Ids::uuid[], @NextFireAts::timestamptz[]) as u(id, next_fire_at)
        where s.id = u.id
        """;

    // A calendar edit: what executors claimed ahead (leased, or pending until their jitter, and due after now, so never
    // attempted) for active schedules on it. Delivering rows are what executors hold in memory (the leased index), pending
    // ones a bounded range of the pending index: no history.
    public const string ClaimedOn =
        """
        select e.id, e.schedule_id as ScheduleId, e.scheduled_for as ScheduledFor
        from executions e join schedules s on s.id = e.schedule_id
        where (e.status = 'delivering'
               -- A jittered occurrence is claimed as pending until its jittered instant: at most MaxJitter after the occurrence,
               -- which was within a claim's lookahead (seconds; an hour bounds any setting).
               or (e.status = 'pending' and e.next_attempt_at > @Now and e.next_attempt_at < @Now + @MaxJitter + interval '1 hour'))
          and e.origin = 'schedule' and e.scheduled_for > @Now and s.calendar_id = @Id and s.state = 'active'
        order by e.id
        for update of e
        """;

    // Those of them the edit removed: recorded skipped, with the reason; the executors holding them are told and drop them.
    public const string Recall =
        """
        update executions e
        set status = 'skipped', attempt = 0, lease_owner = null, leased_until = null, next_attempt_at = null, completed_at = @Now, note = u.note
        from unnest(@Ids::uuid[], @Notes::text[]) as u(id, note)
        where e.id = u.id and e.status in ('delivering', 'pending')
        returning e.id
        """;

    public const string LiveSchedulesOn =
        "select name from schedules where calendar_id = @Id and state <> 'deleted' order by name limit 20";

    // Deleted schedules keep their history, not their calendar.
    public const string Delete =
        """
        update schedules set calendar_id = null where calendar_id = @Id and state = 'deleted';
        delete from calendars where id = @Id;
        """;
}
