using System.Globalization;
using Dapper;
using Npgsql;
using Scheduler.Common.Calendars;
using Scheduler.Common.Outages;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Calendars;
using Scheduler.Storage.Outages;
using Scheduler.Storage.Schedules;
using Scheduler.Testing;
using Xunit.Abstractions;

namespace Scheduler.Executor.Tests;

/// <summary>
/// Issue 31: an outage or a holiday written now stops what an executor already claimed ahead (its 2 s lookahead), through a
/// real executor host on the real clock, delivering to WaitEcho: nothing due after the write inside the window is delivered,
/// and what was recalled shows as skipped with the reason.
/// </summary>
public class RecallTests(ITestOutputHelper output)
{
    private sealed record Row(Guid Id, DateTime ScheduledFor, string Status, string? Note, Guid? OutageId);

    [Fact]
    public async Task An_outage_written_while_occurrences_are_claimed_ahead_delivers_none_of_them_and_shows_them_skipped_by_it()
    {
        await using var world = await World.StartAsync();
        var schedule = await world.CreateAsync(new ScheduleRequest { Name = "every-second", Cron = "* * * * * *", Labels = new() { ["team"] = "data" } });
        var other = await world.CreateAsync(new ScheduleRequest { Name = "untouched", Cron = "* * * * * *", Labels = new() { ["team"] = "web" } });
        using var host = RealTimeTests.BuildHost(world.ConnectionString);
        await host.StartAsync();
        try
        {
            var (written, ahead) = await world.ClaimedAheadAsync(schedule.Id);
            var outages = new OutageStore(world.DataSource);
            Assert.True(OutageValidator.Validate(new OutageRequest
            {
                Name = "db-upgrade",
                From = Instant(written),
                To = Instant(written.AddSeconds(4)),
                Policy = "skip",
                Labels = new() { ["team"] = "data" },
            }, written, out var spec).IsValid);
            var outage = (await outages.InsertAsync("default", spec!, written, CancellationToken.None))!;
            var end = outage.EndsAt;
            output.WriteLine($"outage written at {written:O}, {ahead.Count} occurrences claimed ahead: {string.Join(", ", ahead.Select(r => r.ScheduledFor.ToString("O")))}");

            // Deliveries resume after it: the schedule is still firing, and the outage held only it.
            await WaitFor.ConditionAsync(async () => (await world.Echo.ReceivedAsync(schedule.Id.ToString())).Any(r => r.ScheduledFor >= end),
                TimeSpan.FromSeconds(20), "a delivery after the outage's end", world.Describe(schedule.Id));

            var delivered = (await world.Echo.ReceivedAsync(schedule.Id.ToString())).Select(r => r.ScheduledFor!.Value).ToList();
            Assert.DoesNotContain(delivered, at => at > written && at < end);
            var rows = await world.RowsAsync(schedule.Id);
            foreach (var recalled in ahead)
            {
                var row = Assert.Single(rows, r => r.Id == recalled.Id);
                Assert.Equal(("skipped", "skipped by outage 'db-upgrade'", outage.Id), (row.Status, row.Note, row.OutageId));
            }
            // Every occurrence inside it is recorded, skipped by it: recalled, or planned so by the claims after the write.
            var inside = rows.Where(r => r.ScheduledFor > written.UtcDateTime && r.ScheduledFor < end.UtcDateTime).ToList();
            Assert.Equal(Seconds(written, end), inside.Select(r => new DateTimeOffset(r.ScheduledFor)).Order());
            Assert.All(inside, r => Assert.Equal(("skipped", outage.Id), (r.Status, r.OutageId)));
            Assert.Contains((await world.Echo.ReceivedAsync(other.Id.ToString())), r => r.ScheduledFor > written && r.ScheduledFor < end);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_holiday_added_while_occurrences_are_claimed_ahead_delivers_none_of_them_and_shows_them_skipped_for_it()
    {
        await using var world = await World.StartAsync();
        // No weekend: every day is a business day until the holiday.
        var calendars = new CalendarStore(world.DataSource);
        var calendar = (await calendars.InsertAsync("default", new CalendarDefinition("office", null, [], []), DateTimeOffset.UtcNow, CancellationToken.None))!;
        // The occurrences claimed ahead must fall on the holiday: not in the last seconds of a day.
        await WaitFor.ConditionAsync(() => Task.FromResult(DateTimeOffset.UtcNow.TimeOfDay < TimeSpan.FromHours(24) - TimeSpan.FromSeconds(20)),
            TimeSpan.FromSeconds(30), "a time of day with room for the test before midnight");
        var schedule = await world.CreateAsync(new ScheduleRequest { Name = "every-business-second", Cron = "* * * * * *", TimeZone = "UTC", Calendar = "office" },
            new CalendarReference(calendar.Id, calendar.ToCalendar()));
        using var host = RealTimeTests.BuildHost(world.ConnectionString);
        await host.StartAsync();
        try
        {
            var (written, ahead) = await world.ClaimedAheadAsync(schedule.Id);
            var today = DateOnly.FromDateTime(written.UtcDateTime);
            var change = await calendars.ReplaceAsync("default", calendar.Id, null,
                current => current.ToDefinition() with { Holidays = [new Holiday(today, "Founders' Day")] }, written, CancellationToken.None);
            Assert.Equal(CalendarChangeStatus.Done, change.Status);
            output.WriteLine($"holiday written at {written:O}, {ahead.Count} occurrences claimed ahead");

            // Nothing more is due today: wait past the lookahead and what was claimed before the write.
            await WaitFor.ConditionAsync(async () => await world.DatabaseNowAsync() > written.AddSeconds(4), TimeSpan.FromSeconds(20), "four seconds after the edit");

            var delivered = (await world.Echo.ReceivedAsync(schedule.Id.ToString())).Select(r => r.ScheduledFor!.Value).ToList();
            Assert.NotEmpty(delivered);
            Assert.DoesNotContain(delivered, at => at > written);
            var rows = await world.RowsAsync(schedule.Id);
            foreach (var recalled in ahead)
            {
                var row = Assert.Single(rows, r => r.Id == recalled.Id);
                Assert.Equal("skipped", row.Status);
                Assert.Equal($"skipped: calendar 'office' was edited after it was claimed, and {today:yyyy-MM-dd} is not a business day (Founders' Day)", row.Note);
            }
            Assert.DoesNotContain(rows, r => r.ScheduledFor > written.UtcDateTime && r.Status != "skipped");
            var next = (await new ScheduleStore(world.DataSource, TestSettings.Secrets).GetAsync("default", schedule.Id, CancellationToken.None))!;
            Assert.Equal(("active", new DateTimeOffset(today.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero)), (next.State, next.NextFireAt!.Value));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IEnumerable<DateTimeOffset> Seconds(DateTimeOffset after, DateTimeOffset before)
    {
        var first = new DateTimeOffset(after.UtcTicks - after.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1);
        for (var at = first; at < before; at = at.AddSeconds(1))
        {
            yield return at;
        }
    }

    private static string Instant(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A fresh database, WaitEcho, and the helpers the tests share.</summary>
    private sealed class World : IAsyncDisposable
    {
        private World(string connectionString, WaitEchoServer echo)
        {
            ConnectionString = connectionString;
            Echo = echo;
            DataSource = NpgsqlDataSource.Create(connectionString);
        }

        public string ConnectionString { get; }
        public WaitEchoServer Echo { get; }
        public NpgsqlDataSource DataSource { get; }

        public static async Task<World> StartAsync() =>
            new(await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(), await WaitEchoServer.StartAsync());

        public async Task<ScheduleRecord> CreateAsync(ScheduleRequest request, CalendarReference? calendar = null)
        {
            var now = DateTimeOffset.UtcNow;
            var errors = ScheduleValidator.Validate(request with { Target = new TargetRequest { Type = "webhook", Url = Echo.EchoUrl() } }, now, out var definition, calendar);
            Assert.True(errors.IsValid, errors.ToString());
            return (await new ScheduleStore(DataSource, TestSettings.Secrets).InsertAsync("default", definition!, now, CancellationToken.None))!;
        }

        public async Task<DateTimeOffset> DatabaseNowAsync()
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            return new DateTimeOffset(await connection.ExecuteScalarAsync<DateTime>("select now()"), TimeSpan.Zero);
        }

        /// <summary>
        /// Waits until the executor has delivered and holds occurrences claimed ahead, at a moment a few hundred milliseconds
        /// from any whole second (the next occurrence is that far off, so the recall is not racing a due time); the database's
        /// now then, and what is claimed ahead of it.
        /// </summary>
        public async Task<(DateTimeOffset Now, IReadOnlyList<Row> Ahead)> ClaimedAheadAsync(Guid scheduleId)
        {
            IReadOnlyList<Row> ahead = [];
            var now = DateTimeOffset.MinValue;
            await WaitFor.ConditionAsync(async () =>
            {
                now = await DatabaseNowAsync();
                if (now.Millisecond is < 300 or > 600 || (await Echo.ReceivedAsync(scheduleId.ToString())).Count == 0)
                {
                    return false;
                }
                ahead = (await RowsAsync(scheduleId)).Where(r => r.Status == "delivering" && r.ScheduledFor > now.UtcDateTime).ToList();
                return ahead.Any(r => r.ScheduledFor > now.AddSeconds(1).UtcDateTime);
            }, TimeSpan.FromSeconds(30), "a delivery, and occurrences a second or more ahead claimed", Describe(scheduleId));
            return (now, ahead);
        }

        public async Task<IReadOnlyList<Row>> RowsAsync(Guid scheduleId)
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            return (await connection.QueryAsync<Row>(
                "select id, scheduled_for as ScheduledFor, status, note, outage_id as OutageId from executions where schedule_id = @Id order by scheduled_for",
                new { Id = scheduleId })).AsList();
        }

        public Func<Task<string>> Describe(Guid scheduleId) => async () =>
            string.Join('\n', (await RowsAsync(scheduleId)).Select(r => $"{r.ScheduledFor:O} {r.Status} {r.Note}"));

        public async ValueTask DisposeAsync()
        {
            await DataSource.DisposeAsync();
            await Echo.DisposeAsync();
        }
    }
}
