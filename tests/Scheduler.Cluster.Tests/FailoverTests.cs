using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Scheduler.Testing;
using Scheduler.WaitEcho.Echo;
using Xunit.Abstractions;

namespace Scheduler.Cluster.Tests;

/// <summary>
/// PostgreSQL failover as an operator runs it: a primary and a synchronous standby, the processes given both hosts
/// (<c>Target Session Attributes=primary</c>); under load the primary is killed and the standby promoted. Nothing is lost,
/// nothing early, a duplicate is only a repeated attempt of one execution, the per-second cron has no gap.
/// </summary>
[Collection(Processes.Collection)]
public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_primary_then_switching_back_cleanly_loses_no_trigger()
    {
        await using var postgres = await ReplicatedPostgres.StartAsync();
        await using var cluster = await WorkerCluster.StartAsync(connectionString: postgres.ConnectionString);
        var echo = $"http://127.0.0.1:{cluster.EchoPort}/echo";

        var cron = await CreateAsync(cluster, $$$"""
            {"name": "every-second", "cron": "* * * * * *", "catchUp": "all", "catchUpWindow": "PT5M", "target": {"type": "webhook", "url": "{{{echo}}}"}}
            """);
        var start = DateTimeOffset.UtcNow.AddSeconds(4);
        var oneShots = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var runAt = start.AddMilliseconds(250 * i).ToString("O", CultureInfo.InvariantCulture);
            // Every other one by Kafka, to WaitEcho's mock cluster.
            var target = i % 2 == 0 ? $$$"""{"type": "webhook", "url": "{{{echo}}}"}""" : $$$"""{"type": "kafka", "topic": "{{{WorkerCluster.KafkaTopic}}}"}""";
            oneShots.Add(await CreateAsync(cluster, $$$"""{"name": "one-shot-{{{i}}}", "runAt": "{{{runAt}}}", "target": {{{target}}}}"""));
        }

        // Mid-stream: the primary crashes; the operator promotes the standby.
        await Task.Delay(TimeSpan.FromSeconds(7));
        var killedAt = DateTimeOffset.UtcNow;
        await postgres.KillPrimaryAsync();
        await postgres.PromoteStandbyAsync();

        // The API writes again once it reaches the new primary.
        await WaitFor.ConditionAsync(async () =>
        {
            var created = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse($$$"""
                {"name": "after-failover", "manual": true, "target": {"type": "webhook", "url": "{{{echo}}}"}}
                """));
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict,
                $"{created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            return created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict;
        }, TimeSpan.FromSeconds(60), "the API to write on the new primary", () => Task.FromResult(cluster.Tails()));

        List<ReceivedTrigger> received = [];
        await WaitFor.ConditionAsync(async () =>
        {
            received = (await cluster.EchoClient.GetFromJsonAsync<List<ReceivedTrigger>>("/received?limit=100000"))!;
            return oneShots.All(id => received.Any(r => r.ScheduleId == id));
        }, TimeSpan.FromSeconds(90), "every one-shot delivered", () => Task.FromResult(cluster.Tails()));

        Assert.Equal(30, received.Where(r => r.Transport == "kafka").Select(r => r.ScheduleId).Distinct().Count());
        // None early; a one-shot received twice was one execution attempted twice (its record was lost with the primary).
        Assert.All(received, r => Assert.True(r.LatenessMs >= 0, $"{r.ExecutionId} came {-r.LatenessMs} ms early"));
        foreach (var id in oneShots)
        {
            Assert.Single(received.Where(r => r.ScheduleId == id).Select(r => r.ExecutionId).Distinct());
        }

        // On the new primary: the cron's occurrences have no gap, and the first delivery recorded after the kill.
        await using var promoted = new NpgsqlConnection(ReplicatedPostgres.On(postgres.StandbyPort));
        var occurrences = (await promoted.QueryAsync<DateTime>(
            "select scheduled_for from executions where schedule_id = @Id::uuid and origin in ('schedule', 'catchup') order by scheduled_for", new { Id = cron })).ToList();
        var untilNow = occurrences.Where(o => o < DateTime.UtcNow.AddSeconds(-3)).ToList();
        Assert.True(untilNow.Count > 10, $"only {untilNow.Count} occurrences");
        var gaps = untilNow.Zip(untilNow.Skip(1)).Where(p => p.Second - p.First != TimeSpan.FromSeconds(1)).Select(p => $"{p.First:HH:mm:ss}→{p.Second:HH:mm:ss}").ToList();
        Assert.True(gaps.Count == 0, "the cron skipped: " + string.Join(", ", gaps));
        var recovered = await promoted.ExecuteScalarAsync<DateTime?>("select min(completed_at) from executions where status = 'succeeded' and completed_at > @KilledAt",
            new { KilledAt = killedAt.UtcDateTime });
        Assert.NotNull(recovered);
        var duplicates = received.Count - received.Select(r => r.ExecutionId).Distinct().Count();
        output.WriteLine($"kill → first delivery recorded on the new primary: {(recovered.Value - killedAt.UtcDateTime).TotalSeconds:0.0} s; " +
                         $"{received.Count} deliveries, {duplicates} repeated attempts; {untilNow.Count} cron occurrences without a gap; " +
                         $"latest one-shot {received.Where(r => oneShots.Contains(r.ScheduleId!)).Max(r => r.LatenessMs):0} ms after its time");

        // The old primary rejoins as the new one's synchronous standby; then a planned switchover back, under load again.
        await postgres.RejoinOldPrimaryAsStandbyAsync();
        var second = DateTimeOffset.UtcNow.AddSeconds(4);
        var moreOneShots = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var runAt = second.AddMilliseconds(250 * i).ToString("O", CultureInfo.InvariantCulture);
            moreOneShots.Add(await CreateAsync(cluster, $$$"""{"name": "after-switch-{{{i}}}", "runAt": "{{{runAt}}}", "target": {"type": "webhook", "url": "{{{echo}}}"}}"""));
        }
        await Task.Delay(TimeSpan.FromSeconds(6));
        var switchedAt = DateTimeOffset.UtcNow;
        await postgres.SwitchBackAsync();
        await WaitFor.ConditionAsync(async () =>
        {
            received = (await cluster.EchoClient.GetFromJsonAsync<List<ReceivedTrigger>>("/received?limit=100000"))!;
            return moreOneShots.All(id => received.Any(r => r.ScheduleId == id));
        }, TimeSpan.FromSeconds(90), "every one-shot delivered after the switchover", () => Task.FromResult(cluster.Tails()));
        Assert.All(received, r => Assert.True(r.LatenessMs >= 0, $"{r.ExecutionId} came {-r.LatenessMs} ms early"));
        foreach (var id in oneShots.Concat(moreOneShots))
        {
            Assert.Single(received.Where(r => r.ScheduleId == id).Select(r => r.ExecutionId).Distinct());
        }
        await Task.Delay(TimeSpan.FromSeconds(4));
        await using var original = new NpgsqlConnection(ReplicatedPostgres.On(postgres.PrimaryPort));
        var allOccurrences = (await original.QueryAsync<DateTime>(
            "select scheduled_for from executions where schedule_id = @Id::uuid and origin in ('schedule', 'catchup') order by scheduled_for", new { Id = cron })).ToList()
            .Where(o => o < DateTime.UtcNow.AddSeconds(-3)).ToList();
        var allGaps = allOccurrences.Zip(allOccurrences.Skip(1)).Where(p => p.Second - p.First != TimeSpan.FromSeconds(1)).Select(p => $"{p.First:HH:mm:ss}→{p.Second:HH:mm:ss}").ToList();
        Assert.True(allGaps.Count == 0, "the cron skipped across the switchover: " + string.Join(", ", allGaps));
        var switched = await original.ExecuteScalarAsync<DateTime?>("select min(completed_at) from executions where status = 'succeeded' and completed_at > @At",
            new { At = switchedAt.UtcDateTime });
        Assert.NotNull(switched);
        output.WriteLine($"switchover → first delivery recorded on the original primary: {(switched.Value - switchedAt.UtcDateTime).TotalSeconds:0.0} s; " +
                         $"{allOccurrences.Count} cron occurrences in all without a gap; " +
                         $"{received.Count - received.Select(r => r.ExecutionId).Distinct().Count()} repeated attempts in all");
    }

    private static async Task<string> CreateAsync(WorkerCluster cluster, string json)
    {
        var created = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse(json));
        Assert.True(created.IsSuccessStatusCode, $"{await created.Content.ReadAsStringAsync()}\n{cluster.Tails()}");
        return (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }
}
