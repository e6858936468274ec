using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scheduler.Common.Delivery;
using Scheduler.Common.Schedules;
using Scheduler.Executor.Delivery;
using Scheduler.Executor.Delivery.Brokers;
using Scheduler.Storage.Executions;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>The NATS JetStream target against a real nats-server, read back over a raw socket and the server's monitoring endpoint.</summary>
public class NatsTests
{
    private static TargetRequest Nats(string subject, Dictionary<string, string>? headers = null, string? body = null, string connection = "events") => new()
    {
        Type = "nats",
        Connection = connection,
        Subject = subject,
        Headers = headers,
        Body = body is null ? null : JsonDocument.Parse(body).RootElement,
        Timeout = "2s",
    };

    private static Dictionary<string, (string Type, string Uri)> Connections(NatsServer server) => new() { ["events"] = ("nats", server.Uri) };

    [Fact]
    public async Task A_trigger_is_acknowledged_by_the_stream_with_its_execution_id_as_Nats_Msg_Id()
    {
        // Deliveries are traced when something listens (as the OpenTelemetry exporter does): the message carries its traceparent.
        using var listener = new System.Diagnostics.ActivityListener
        {
            // By the constant: reading Source here would run inside its own creation when this listener exists first.
            ShouldListenTo = source => source.Name == Firing.ExecutorTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var nats = await NatsServer.StartAsync();
        await nats.CreateStreamAsync("JOBS", ["jobs.>"]);
        await using var subscriber = await nats.SubscribeAsync("jobs.>");
        await using var harness = await FiringHarness.StartAsync();
        var envelope = await harness.CreateAsync(BrokerTesting.OneShot("warm-cache", Nats("jobs.cache.warm", new() { ["team"] = "web" })));
        var fixedBody = await harness.CreateAsync(BrokerTesting.OneShot("fixed", Nats("jobs.report", body: """{"report":"daily"}""")));
        await using var executor = BrokerTesting.Executor(harness, "a", Connections(nats));

        await BrokerTesting.UntilAsync(harness, executor, e => e.Count == 2 && e.All(x => x.Status == "succeeded"), "both acknowledged");
        Assert.Equal(2, await nats.StreamMessagesAsync("JOBS"));
        await WaitFor.ConditionAsync(() => Task.FromResult(subscriber.Messages.Count == 2), BrokerTesting.Patience, "the raw subscriber to read both");
        var executions = await harness.ExecutionsAsync();

        var first = Assert.Single(subscriber.Messages, m => m.Subject == "jobs.cache.warm");
        var execution = executions.Single(e => e.ScheduleId == envelope.Id);
        Assert.Equal(execution.Id.ToString(), first.Headers["Nats-Msg-Id"]);
        Assert.Equal(execution.Id.ToString(), first.Headers[TriggerHeaders.ExecutionId]);
        Assert.Equal("web", first.Headers["team"]);
        Assert.StartsWith("application/cloudevents+json", first.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal(execution.Id.ToString(), JsonDocument.Parse(first.Payload).RootElement.GetProperty("id").GetString());
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", first.Headers["traceparent"]);

        var second = Assert.Single(subscriber.Messages, m => m.Subject == "jobs.report");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"report":"daily"}"""), JsonNode.Parse(second.Payload)), second.Payload);
        Assert.Equal(executions.Single(e => e.ScheduleId == fixedBody.Id).Id.ToString(), second.Headers["Nats-Msg-Id"]);

        // Statistics per target: connection and subject.
        var stats = await new Storage.Statistics.StatisticsStore(harness.DataSource).ComputeAsync("default", DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        Assert.Equal(1, Assert.Single(stats.Targets, t => t.Host == "nats/events/jobs.cache.warm").Attempts);
    }

    [Fact]
    public async Task WaitEcho_records_rabbitmq_and_nats_triggers_beside_http_ones()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var rabbit = await RabbitMqServer.StartAsync();
        await using var harness = await FiringHarness.StartAsync();
        await using var echo = await WaitEchoServer.StartAsync(rabbitMqUri: rabbit.Uri, natsUrl: nats.Uri);
        var viaNats = await harness.CreateAsync(BrokerTesting.OneShot("to-nats", Nats("triggers.demo")));
        var viaRabbit = await harness.CreateAsync(BrokerTesting.OneShot("to-rabbit", new TargetRequest
        {
            Type = "rabbitmq", Connection = "orders", Exchange = "triggers", RoutingKey = "demo",
        }));
        await using var executor = BrokerTesting.Executor(harness, "a", new Dictionary<string, (string, string)>
        {
            ["events"] = ("nats", nats.Uri), ["orders"] = ("rabbitmq", rabbit.Uri),
        });
        // WaitEcho declares its exchange and stream as it starts: until then a trigger is unroutable, and is retried.
        await BrokerTesting.UntilAsync(harness, executor, e => e.Count == 2 && e.All(x => x.Status == "succeeded"), "both delivered");
        await WaitFor.ConditionAsync(async () => (await echo.ReceivedAsync()).Count >= 2, BrokerTesting.Patience, "both at WaitEcho");
        var received = await echo.ReceivedAsync();
        var executions = await harness.ExecutionsAsync();
        var fromNats = Assert.Single(received, r => r.Transport == "nats");
        Assert.Equal((viaNats.Id.ToString(), "triggers.demo", executions.Single(e => e.ScheduleId == viaNats.Id).Id.ToString()),
            (fromNats.ScheduleId, fromNats.Path, fromNats.ExecutionId));
        var fromRabbit = Assert.Single(received, r => r.Transport == "rabbitmq");
        Assert.Equal((viaRabbit.Id.ToString(), "triggers/demo", executions.Single(e => e.ScheduleId == viaRabbit.Id).Id.ToString()),
            (fromRabbit.ScheduleId, fromRabbit.Path, fromRabbit.ExecutionId));
    }

    [Fact]
    public async Task A_repeated_attempt_of_an_execution_the_stream_has_is_acknowledged_and_not_stored_twice()
    {
        await using var nats = await NatsServer.StartAsync();
        await nats.CreateStreamAsync("JOBS", ["jobs.>"]);
        var brokers = new BrokerOptions { ["events"] = new BrokerConnectionOptions { Type = "nats", Uri = nats.Uri } };
        await using var deliverer = new NatsDeliverer(Options.Create(brokers), TimeProvider.System, NullLogger<NatsDeliverer>.Instance);
        var target = (Common.Targets.NatsTarget)Common.Targets.TargetValidator.Validate(Nats("jobs.once"), new Common.Validation.ValidationErrors())!;
        var id = Guid.NewGuid();
        ClaimedExecution Attempt(int attempt) => new()
        {
            Id = id, Tenant = "default", ScheduleId = Guid.NewGuid(), ScheduleName = "once", ScheduledFor = DateTimeOffset.UtcNow, Attempt = attempt, MaxAttempts = 5,
            Target = JsonSerializer.Serialize<Common.Targets.TargetSpec>(target, Common.SchedulerJson.Options),
        };

        // As when an executor's first attempt was stored but its acknowledgement lost: the retry carries the same execution id.
        async Task Delivered(int attempt)
        {
            var result = await deliverer.DeliverAsync(Attempt(attempt), target, CancellationToken.None);
            Assert.True(result.Result == AttemptResult.Succeeded, result.Error);
        }
        await Delivered(1);
        await Delivered(2);
        Assert.Equal(1, await nats.StreamMessagesAsync("JOBS"));

        id = Guid.NewGuid();
        await Delivered(1);
        Assert.Equal(2, await nats.StreamMessagesAsync("JOBS"));
    }

    [Fact]
    public async Task A_subject_no_stream_captures_or_a_connection_the_executor_lacks_is_a_failed_attempt_saying_so()
    {
        await using var nats = await NatsServer.StartAsync();
        await nats.CreateStreamAsync("JOBS", ["jobs.>"]);
        await using var harness = await FiringHarness.StartAsync();
        var uncaptured = await harness.CreateAsync(BrokerTesting.OneShot("uncaptured", Nats("elsewhere.task"), maxAttempts: 2));
        var unknown = await harness.CreateAsync(BrokerTesting.OneShot("unknown", Nats("jobs.x", connection: "metrics"), maxAttempts: 1));
        await using var executor = BrokerTesting.Executor(harness, "a", Connections(nats));

        await BrokerTesting.UntilAsync(harness, executor, e => e.Count == 2 && e.All(x => x.Status == "dead"), "both dead-lettered");
        var executions = await harness.ExecutionsAsync();
        Assert.Contains("no JetStream stream on 'events' captures subject 'elsewhere.task'", executions.Single(e => e.ScheduleId == uncaptured.Id).LastError, StringComparison.Ordinal);
        Assert.Contains("no NATS connection named 'metrics'", executions.Single(e => e.ScheduleId == unknown.Id).LastError, StringComparison.Ordinal);
        Assert.Equal(0, await nats.StreamMessagesAsync("JOBS"));
    }

    [Fact]
    public async Task A_server_killed_mid_burst_and_restarted_stores_every_trigger_once_none_early()
    {
        await using var nats = await NatsServer.StartAsync();
        await nats.CreateStreamAsync("BURST", ["burst.>"]);
        await using var harness = await FiringHarness.StartAsync();
        const int count = 150;
        var start = DateTimeOffset.UtcNow.AddSeconds(1);
        for (var i = 0; i < count; i++)
        {
            await harness.CreateAsync(BrokerTesting.OneShot($"burst-{i}", Nats("burst.run"), maxAttempts: 100) with { RunAt = start.AddMilliseconds(i * 20).ToString("O") });
        }
        await using var executor = BrokerTesting.Executor(harness, "a", Connections(nats));
        var firing = Task.Run(() => BrokerTesting.UntilAsync(harness, executor, e => e.Count == count && e.All(x => x.Status == "succeeded"), "every trigger acknowledged"));

        await WaitFor.ConditionAsync(async () => (await harness.ExecutionsAsync()).Count(e => e.Status == "succeeded") >= count / 3,
            BrokerTesting.Patience, "a third of the burst delivered");
        await nats.KillAsync();
        await WaitFor.ConditionAsync(async () => (await harness.ExecutionsAsync()).Any(e => e.Status == "pending" && e.Attempt > 1),
            BrokerTesting.Patience, "attempts to fail while the server is down", harness.DescribeAsync);
        await nats.LaunchAsync();
        await firing;

        var executions = await harness.ExecutionsAsync();
        Assert.Contains(executions, e => e.Attempt > 1);
        foreach (var execution in executions)
        {
            Assert.All(await harness.AttemptsAsync(execution.Id), a => Assert.True(a.StartedAt >= execution.ScheduledFor, $"{execution.Id} attempt {a.Attempt} early"));
        }
        // Every execution stored, and (its id being the message id) none twice, however many attempts it took.
        Assert.Equal(count, await nats.StreamMessagesAsync("BURST"));
    }
}
