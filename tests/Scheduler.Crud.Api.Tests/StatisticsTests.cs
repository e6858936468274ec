using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Scheduler.Storage.Statistics;

namespace Scheduler.Crud.Api.Tests;

public class StatisticsTests
{
    [Fact]
    public async Task Statistics_name_the_failing_schedules_the_unreliable_hosts_and_what_each_executor_did()
    {
        await using var h = await ApiHarness.StartAsync();
        var ok = await h.CreateAsync(h.Webhook("healthy", "\"delay\": \"1s\""));
        var flaky = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            // Fails the first attempt of each execution, then succeeds: half its attempts fail.
            flaky.Add((string)(await h.CreateAsync(h.Webhook($"flaky-{i}", "\"delay\": \"1s\"", "failFirst=1")))["id"]!);
        }
        var broken = h.Webhook("nobody-home", "\"delay\": \"1s\"");
        broken["target"]!["url"] = "http://127.0.0.1:9/";
        broken["maxAttempts"] = 1;
        var dead = await h.CreateAsync(broken);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(6, await h.Executor.DrainAsync());
        h.Time.Advance(TimeSpan.FromSeconds(2)); // past every first retry (at most 1 s after a failure)
        Assert.Equal(4, await h.Executor.DrainAsync());

        var stats = await h.GetAsync("/api/v1/stats?window=1h");
        var totals = stats["totals"]!;
        Assert.Equal((10, 5, 5, 1), ((int)totals["attempts"]!, (int)totals["succeeded"]!, (int)totals["failed"]!, (int)totals["deadLettered"]!));
        Assert.True((double)totals["p95LatenessMs"]! >= 0);

        var schedules = stats["schedules"]!.AsArray();
        Assert.Equal((string?)dead["id"], (string?)schedules[0]!["scheduleId"]); // the most failing first (1 of 1)
        foreach (var id in flaky)
        {
            var row = schedules.Single(s => (string?)s!["scheduleId"] == id)!;
            Assert.Equal((2, 1, 0.5), ((int)row["attempts"]!, (int)row["failures"]!, (double)row["successRate"]!));
        }
        Assert.Equal(1.0, (double)schedules.Single(s => (string?)s!["scheduleId"] == (string?)ok["id"])!["successRate"]!);

        var targets = stats["targets"]!.AsArray();
        var nobody = targets.Single(t => (string?)t!["host"] == "127.0.0.1:9")!;
        Assert.Equal((1, 1.0), ((int)nobody["attempts"]!, (double)nobody["failureRate"]!));
        var echo = targets.Single(t => (string?)t!["host"] == h.Echo.BaseAddress.Authority)!;
        Assert.Equal((9, 4), ((int)echo["attempts"]!, (int)echo["failed"]!));

        var executor = Assert.Single(stats["executors"]!.AsArray())!;
        Assert.Equal(("executor", 10, 5), ((string?)executor["executorId"], (int)executor["attempts"]!, (int)executor["failures"]!));

        Assert.Equal(0, (int)totals["lost"]!);

        Assert.Equal(HttpStatusCode.BadRequest, (await h.Client.GetAsync("/api/v1/stats?window=2h")).StatusCode);
        h.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, (int)(await h.GetAsync("/api/v1/stats?window=1h"))["totals"]!["attempts"]!);
    }

    [Fact]
    public async Task A_lease_lost_with_its_executor_counts_as_a_lost_attempt_and_a_failure_of_its_schedule()
    {
        await using var h = await ApiHarness.StartAsync();
        var schedule = await h.CreateAsync(h.Webhook("orphaned", "\"delay\": \"1s\""));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        // An executor claims it and dies before delivering; after its lease (3 s timeout + 10 s margin) the harness's delivers it.
        await using (var dataSource = NpgsqlDataSource.Create(h.Api.ConnectionString))
        {
            var store = new Scheduler.Storage.Executions.ExecutionStore(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<Scheduler.Storage.Executions.ExecutionStore>.Instance);
            Assert.Single((await store.ClaimAsync(new Scheduler.Storage.Executions.ClaimRequest("lost", h.Time.GetUtcNow(), TimeSpan.Zero, 10,
                TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), CancellationToken.None)).Executions);
        }
        h.Time.Advance(TimeSpan.FromSeconds(13.001));
        Assert.Equal(1, await h.Executor.DrainAsync());

        var stats = await h.GetAsync("/api/v1/stats?window=1h");
        var totals = stats["totals"]!;
        Assert.Equal((2, 1, 0, 1), ((int)totals["attempts"]!, (int)totals["succeeded"]!, (int)totals["failed"]!, (int)totals["lost"]!));
        var row = Assert.Single(stats["schedules"]!.AsArray())!;
        Assert.Equal(((string?)schedule["id"], 2, 1), ((string?)row["scheduleId"], (int)row["attempts"]!, (int)row["failures"]!));
        // Its duration is how long the lease held it (13 s), not a delivery's: the percentiles leave it out.
        Assert.True((double)totals["p95DurationMs"]! < 13_000, totals.ToJsonString());
        Assert.Equal(["executor", "lost"], stats["executors"]!.AsArray().Select(e => (string)e!["executorId"]!).Order());
    }

    [Fact]
    public async Task Executors_that_stop_reporting_are_shown_as_gone()
    {
        await using var h = await ApiHarness.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(h.Api.ConnectionString);
        var store = new StatisticsStore(dataSource);
        var now = h.Time.GetUtcNow();
        await store.HeartbeatAsync(new ExecutorRecord { Id = "fresh", Host = "a", Version = "1", StartedAt = now.AddHours(-1), LastSeenAt = now.AddSeconds(-5), Attempts = 10 }, CancellationToken.None);
        await store.HeartbeatAsync(new ExecutorRecord { Id = "silent", Host = "b", Version = "1", StartedAt = now.AddHours(-1), LastSeenAt = now.AddMinutes(-2), Attempts = 3, Failures = 1 }, CancellationToken.None);

        var executors = (await h.Client.GetFromJsonAsync<JsonArray>("/api/v1/executors"))!;
        Assert.Equal([("fresh", true), ("silent", false)], executors.Select(e => ((string)e!["id"]!, (bool)e["alive"]!)));
    }
}
