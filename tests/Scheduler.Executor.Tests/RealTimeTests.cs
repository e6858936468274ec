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
        var store = new ScheduleStore(dataSource);
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

    private static IHost BuildHost(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Scheduler"] = connectionString,
            ["Executor:PollInterval"] = "00:00:00.500",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddExecutorServices();
        return builder.Build();
    }
}
