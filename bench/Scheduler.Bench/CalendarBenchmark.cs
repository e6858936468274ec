using System.Diagnostics;
using Dapper;
using Npgsql;
using NpgsqlTypes;
using Scheduler.Common.Calendars;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Calendars;

namespace Scheduler.Bench;

/// <summary>What a calendar edit costs: N daily schedules follow one calendar, a holiday is added on their next day, all move.</summary>
internal static class CalendarBenchmark
{
    public static async Task<ScenarioResult> EditAsync(int count, int edits = 5)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        var store = new CalendarStore(dataSource);
        var now = DateTimeOffset.UtcNow;
        var calendar = (await store.InsertAsync("default", new CalendarDefinition("bench", null, [DayOfWeek.Saturday, DayOfWeek.Sunday], []), now,
            CancellationToken.None))!;
        var timing = ScheduleTiming.ForCron(CronSchedule.Parse("0 0 9 * * *", "Europe/London")) with
        {
            BusinessDays = new BusinessDayRule(calendar.Id, "bench", NonBusinessDay.Skip, []),
        };
        var first = timing.Occurrences(calendar.ToCalendar()).FirstFireAt(now)!.Value;
        await LoadAsync(dataSource, count, calendar.Id, first, now);

        var holidays = new List<Holiday>();
        var timings = new List<double>();
        var failures = new List<string>();
        var next = first;
        for (var i = 0; i < edits; i++)
        {
            // Each edit makes the schedules' next day a holiday: every one of them moves on by a business day.
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/London")).DateTime);
            holidays.Add(new Holiday(day, $"bench holiday {i + 1}"));
            var clock = Stopwatch.StartNew();
            var change = await store.ReplaceAsync("default", calendar.Id, null, c => c.ToDefinition() with { Holidays = holidays.ToList() }, now, CancellationToken.None);
            timings.Add(clock.Elapsed.TotalMilliseconds);
            var expected = timing.Occurrences(change.Calendar!.ToCalendar()).AtOrAfter(now)!.Value;
            await using var connection = await dataSource.OpenConnectionAsync();
            var moved = await connection.ExecuteScalarAsync<long>("select count(*) from schedules where next_fire_at = @Expected", new { Expected = expected });
            if (change.SchedulesMoved != count || moved != count)
            {
                failures.Add($"calendar edit {i + 1}: {change.SchedulesMoved} recomputed, {moved} of {count} at the expected {expected:O}");
            }
            next = expected;
        }
        timings.Sort();
        return new(TriggerBenchmarks.Table($"Calendar edit: {count:N0} daily schedules on one calendar, a holiday added on their next day ({edits} edits)",
            ("schedules recomputed per edit", $"{count:N0}"),
            ("edit (one transaction: update the calendar, lock, recompute and move every schedule) p50 / max", $"{timings[timings.Count / 2]:N0} / {timings[^1]:N0} ms"),
            ("per schedule", $"{timings[timings.Count / 2] * 1000 / count:0} µs")), count / (timings[timings.Count / 2] / 1000), failures);
    }

    private static async Task LoadAsync(NpgsqlDataSource dataSource, int count, Guid calendarId, DateTimeOffset first, DateTimeOffset now)
    {
        const string target = """{"type":"webhook","url":"http://127.0.0.1:9/echo","method":"POST","headers":{},"timeout":"PT3S"}""";
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy schedules (id, tenant, name, kind, cron, time_zone, target, max_attempts, state, next_fire_at, created_at, updated_at, calendar_id, timing) from stdin (format binary)"))
        {
            for (var i = 0; i < count; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(now), NpgsqlDbType.Uuid);
                await copy.WriteAsync("default", NpgsqlDbType.Text);
                await copy.WriteAsync($"calendar-{i:D6}", NpgsqlDbType.Text);
                await copy.WriteAsync("cron", NpgsqlDbType.Text);
                await copy.WriteAsync("0 0 9 * * *", NpgsqlDbType.Text);
                await copy.WriteAsync("Europe/London", NpgsqlDbType.Text);
                await copy.WriteAsync(target, NpgsqlDbType.Jsonb);
                await copy.WriteAsync(5, NpgsqlDbType.Integer);
                await copy.WriteAsync("active", NpgsqlDbType.Text);
                await copy.WriteAsync(first, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(calendarId, NpgsqlDbType.Uuid);
                await copy.WriteAsync("""{"calendarName":"bench","nonBusinessDay":"skip"}""", NpgsqlDbType.Jsonb);
            }
            await copy.CompleteAsync();
        }
        await connection.ExecuteAsync("analyze schedules");
    }
}
