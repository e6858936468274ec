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
/// PostgreSQL failover as operators run it: a primary and a synchronous standby, the processes given both hosts; under load
/// (a per-second cron, one-shots by webhook and by Kafka) the primary dies and the standby takes over — promoted by hand, or
/// by pg_auto_failover's monitor. Nothing is lost, nothing early, a duplicate is only a repeated attempt of one execution,
/// the cron has no gap.
/// </summary>
[Collection(Processes.Collection)]
public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_primary_then_switching_back_cleanly_loses_no_trigger()
    {
        await using var postgres = await ReplicatedPostgres.StartAsync();
        await using var cluster = await WorkerCluster.StartAsync(connectionString: postgres.ConnectionString, kafka: true);
        var cron = await CreateCronAsync(cluster);

        var (oneShots, killedAt) = await FailUnderLoadAsync(cluster, "one-shot", 60, postgres.KillPrimaryAsync, postgres.PromoteStandbyAsync);
        var received = await cluster.ReceivedOnceOnTimeAsync(oneShots, TimeSpan.FromSeconds(90), "every one-shot delivered");
        Assert.Equal(30, received.Where(r => r.Transport == "kafka").Select(r => r.ScheduleId).Distinct().Count());
        var occurrences = await AssertNoCronGapAsync(ReplicatedPostgres.On(postgres.StandbyPort), cron);
        var recovered = await FirstDeliveryAfterAsync(ReplicatedPostgres.On(postgres.StandbyPort), killedAt);
        output.WriteLine($"kill → first delivery recorded on the new primary: {recovered.TotalSeconds:0.0} s; {received.Count} deliveries, " +
                         $"{Repeated(received)} repeated attempts; {occurrences} cron occurrences without a gap; " +
                         $"latest one-shot {received.Where(r => oneShots.Contains(r.ScheduleId!)).Max(r => r.LatenessMs):0} ms after its time");

        // The old primary rejoins as the new one's synchronous standby; then a planned switchover back, under load again.
        await postgres.RejoinOldPrimaryAsStandbyAsync();
        var (moreOneShots, switchedAt) = await FailUnderLoadAsync(cluster, "after-switch", 30, postgres.SwitchBackAsync);
        received = await cluster.ReceivedOnceOnTimeAsync([.. oneShots, .. moreOneShots], TimeSpan.FromSeconds(90), "every one-shot delivered");
        occurrences = await AssertNoCronGapAsync(ReplicatedPostgres.On(postgres.PrimaryPort), cron);
        var switched = await FirstDeliveryAfterAsync(ReplicatedPostgres.On(postgres.PrimaryPort), switchedAt);
        output.WriteLine($"switchover → first delivery recorded on the original primary: {switched.TotalSeconds:0.0} s; " +
                         $"{occurrences} cron occurrences in all without a gap; {Repeated(received)} repeated attempts in all");
    }

    [Fact]
    public async Task Pg_auto_failover_promotes_the_secondary_itself_and_no_trigger_is_lost()
    {
        await using var postgres = await AutoFailoverPostgres.StartAsync();
        await using var cluster = await WorkerCluster.StartAsync(connectionString: postgres.ConnectionString, kafka: true);
        var cron = await CreateCronAsync(cluster);

        // Nobody promotes anything: the monitor sees the primary gone and promotes the secondary.
        var (oneShots, killedAt) = await FailUnderLoadAsync(cluster, "one-shot", 60, postgres.KillPrimaryAsync);
        var received = await cluster.ReceivedOnceOnTimeAsync(oneShots, TimeSpan.FromSeconds(90), "every one-shot delivered");
        var primary = await postgres.PrimaryConnectionStringAsync();
        var occurrences = await AssertNoCronGapAsync(primary, cron);
        var recovered = await FirstDeliveryAfterAsync(primary, killedAt);
        output.WriteLine($"pg_auto_failover: kill → first delivery recorded on the promoted node: {recovered.TotalSeconds:0.0} s; {received.Count} deliveries, " +
                         $"{Repeated(received)} repeated attempts; {occurrences} cron occurrences without a gap; " +
                         $"latest one-shot {received.Where(r => oneShots.Contains(r.ScheduleId!)).Max(r => r.LatenessMs):0} ms after its time");
    }

    private static int Repeated(List<ReceivedTrigger> received) => received.Count - received.Select(r => r.ExecutionId).Distinct().Count();

    private static Task<string> CreateCronAsync(WorkerCluster cluster) => CreateAsync(cluster, $$$"""
        {"name": "every-second", "cron": "* * * * * *", "catchUp": "all", "catchUpWindow": "PT5M",
         "target": {"type": "webhook", "url": "http://127.0.0.1:{{{cluster.EchoPort}}}/echo"}}
        """);

    /// <summary>
    /// Puts <paramref name="count"/> one-shots under way (every other one by Kafka), fails the database in the middle of them
    /// (then <paramref name="recover"/>: the operator's promotion, if any), and waits until the API writes again. Returns when the failure was complete.
    /// </summary>
    private static async Task<(List<string> OneShots, DateTimeOffset FailedAt)> FailUnderLoadAsync(WorkerCluster cluster, string prefix, int count, Func<Task> fail,
        Func<Task>? recover = null)
    {
        var echo = $"http://127.0.0.1:{cluster.EchoPort}/echo";
        var start = DateTimeOffset.UtcNow.AddSeconds(4);
        var oneShots = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var runAt = start.AddMilliseconds(250 * i).ToString("O", CultureInfo.InvariantCulture);
            var target = i % 2 == 0 ? $$$"""{"type": "webhook", "url": "{{{echo}}}"}""" : $$$"""{"type": "kafka", "topic": "{{{WorkerCluster.KafkaTopic}}}"}""";
            oneShots.Add(await CreateAsync(cluster, $$$"""{"name": "{{{prefix}}}-{{{i}}}", "runAt": "{{{runAt}}}", "target": {{{target}}}}"""));
        }
        await Task.Delay(TimeSpan.FromSeconds(6));
        await fail();
        var failedAt = DateTimeOffset.UtcNow;
        if (recover is not null)
        {
            await recover();
        }
        await WaitFor.ConditionAsync(async () =>
        {
            var created = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse($$$"""
                {"name": "{{{prefix}}}-written-after", "manual": true, "target": {"type": "webhook", "url": "{{{echo}}}"}}
                """));
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict,
                $"{created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            return created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict;
        }, TimeSpan.FromSeconds(90), "the API to write on the new primary", () => Task.FromResult(cluster.Tails()));
        return (oneShots, failedAt);
    }

    /// <summary>The cron's occurrences, as the (new) primary has them, one per second without a gap; returns how many.</summary>
    private static async Task<int> AssertNoCronGapAsync(string primary, string cron)
    {
        await Task.Delay(TimeSpan.FromSeconds(4));
        await using var connection = new NpgsqlConnection(primary);
        var occurrences = (await connection.QueryAsync<DateTime>(
            "select scheduled_for from executions where schedule_id = @Id::uuid and origin in ('schedule', 'catchup') order by scheduled_for", new { Id = cron }))
            .Where(o => o < DateTime.UtcNow.AddSeconds(-3)).ToList();
        Assert.True(occurrences.Count > 10, $"only {occurrences.Count} occurrences");
        var gaps = occurrences.Zip(occurrences.Skip(1)).Where(p => p.Second - p.First != TimeSpan.FromSeconds(1)).Select(p => $"{p.First:HH:mm:ss}→{p.Second:HH:mm:ss}").ToList();
        Assert.True(gaps.Count == 0, "the cron skipped: " + string.Join(", ", gaps));
        return occurrences.Count;
    }

    private static async Task<TimeSpan> FirstDeliveryAfterAsync(string primary, DateTimeOffset failedAt)
    {
        await using var connection = new NpgsqlConnection(primary);
        var first = await connection.ExecuteScalarAsync<DateTime?>("select min(completed_at) from executions where status = 'succeeded' and completed_at > @At",
            new { At = failedAt.UtcDateTime });
        Assert.NotNull(first);
        return first.Value - failedAt.UtcDateTime;
    }

    private static async Task<string> CreateAsync(WorkerCluster cluster, string json)
    {
        var created = await cluster.ApiClient.PostAsJsonAsync("/api/v1/schedules", JsonNode.Parse(json));
        Assert.True(created.IsSuccessStatusCode, $"{await created.Content.ReadAsStringAsync()}\n{cluster.Tails()}");
        return (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }
}
