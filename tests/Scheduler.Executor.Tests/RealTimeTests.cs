using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Schedules;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>
/// The real thing on the real clock: two executor hosts (loop, database clock, lookahead, jitter) firing at
/// WaitEcho over HTTP. Asserts invariants only (never early, exactly once), so machine noise cannot fail it.
/// </summary>
public class RealTimeTests
{
    [Fact]
    public async Task Two_executor_hosts_never_fire_early_and_fire_each_occurrence_once()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var echo = await WaitEchoServer.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new ScheduleStore(dataSource, TestSettings.Secrets);
        var now = DateTimeOffset.UtcNow;

        async Task<ScheduleRecord> Create(ScheduleRequest request)
        {
            Assert.True(ScheduleValidator.Validate(request, now, out var definition).IsValid);
            return (await store.InsertAsync("default", definition!, now, CancellationToken.None))!;
        }
        var target = new TargetRequest { Type = "webhook", Url = echo.EchoUrl() };
        var everySecond = new List<ScheduleRecord>();
        for (var i = 0; i < 3; i++)
        {
            everySecond.Add(await Create(new ScheduleRequest { Name = $"every-second-{i}", Cron = "* * * * * *", Target = target }));
        }
        var runAt = await Create(new ScheduleRequest { Name = "run-at", RunAt = now.AddSeconds(2.5).ToString("O"), Target = target });
        var delay = await Create(new ScheduleRequest { Name = "delay", Delay = "3s", Target = target });

        var hosts = Enumerable.Range(0, 2).Select(_ => BuildHost(connectionString)).ToList();
        await Task.WhenAll(hosts.Select(h => h.StartAsync()));
        try
        {
            await WaitFor.ConditionAsync(async () => (await echo.ReceivedAsync()).Count >= 3 * 4 + 2, TimeSpan.FromSeconds(30),
                "four seconds of per-second triggers and both one-shots",
                async () => string.Join('\n', (await echo.ReceivedAsync()).Select(r => $"{r.ScheduleId} {r.ScheduledFor:O} {r.LatenessMs} ms")));
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync()));
            hosts.ForEach(h => h.Dispose());
        }

        var received = await echo.ReceivedAsync();
        Assert.All(received, r => Assert.True(r.LatenessMs >= 0, $"{r.ExecutionId} for {r.ScheduledFor:O} came {-r.LatenessMs} ms early"));
        Assert.Equal(received.Count, received.Select(r => r.ExecutionId).Distinct().Count());
        Assert.Equal(received.Count, received.Select(r => (r.ScheduleId, r.ScheduledFor)).Distinct().Count());
        Assert.Single(received, r => r.ScheduleId == runAt.Id.ToString());
        Assert.Single(received, r => r.ScheduleId == delay.Id.ToString());
        foreach (var schedule in everySecond)
        {
            var times = received.Where(r => r.ScheduleId == schedule.Id.ToString()).Select(r => r.ScheduledFor!.Value).Order().ToList();
            // Consecutive seconds: nothing skipped between the first and last fire.
            Assert.Equal(Enumerable.Range(0, times.Count).Select(i => times[0].AddSeconds(i)), times);
        }
    }

    [Fact]
    public async Task A_new_schedule_due_soon_wakes_an_executor_that_polls_once_a_minute()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var echo = await WaitEchoServer.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new ScheduleStore(dataSource, TestSettings.Secrets);
        async Task<ScheduleRecord> CreateDelayed(string name)
        {
            var now = DateTimeOffset.UtcNow;
            Assert.True(ScheduleValidator.Validate(new ScheduleRequest
            {
                Name = name,
                Delay = "1s",
                Target = new TargetRequest { Type = "webhook", Url = echo.EchoUrl() },
            }, now, out var definition).IsValid);
            return (await store.InsertAsync("default", definition!, now, CancellationToken.None))!;
        }

        // A long lease too: otherwise the loop also wakes when the first execution's lease would expire.
        using var host = BuildHost(connectionString, pollInterval: "00:01:00", leaseMargin: "00:01:00");
        await host.StartAsync();
        try
        {
            // Once the first one has fired, the executor has nothing known to wait for and sleeps 30–90 s…
            var first = await CreateDelayed("first");
            await WaitFor.ConditionAsync(async () => (await echo.ReceivedAsync(first.Id.ToString())).Count == 1, TimeSpan.FromSeconds(30), "the first trigger");
            // …so only the hint the API's insert sends can get the second one out on time.
            var second = await CreateDelayed("second");
            await WaitFor.ConditionAsync(async () => (await echo.ReceivedAsync(second.Id.ToString())).Count == 1, TimeSpan.FromSeconds(15),
                "the second trigger, woken by NOTIFY rather than the minute-long poll");
            var received = Assert.Single(await echo.ReceivedAsync(second.Id.ToString()));
            Assert.InRange(received.LatenessMs!.Value, 0, 5_000);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>The executor exactly as its Program builds it, with test settings.</summary>
    internal static IHost BuildHost(string connectionString, string pollInterval = "00:00:00.500", string leaseMargin = "00:00:05") =>
        ExecutorApp.Build([
            $"--ConnectionStrings:Scheduler={connectionString}",
            $"--Executor:PollInterval={pollInterval}",
            $"--Executor:LeaseMargin={leaseMargin}",
            "--Logging:LogLevel:Default=Warning",
            .. TestSettings.Arguments,
        ]);
}
