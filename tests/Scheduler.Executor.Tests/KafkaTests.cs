using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scheduler.Common.Delivery;
using Scheduler.Common.Schedules;
using Scheduler.Executor.Delivery;
using Scheduler.Storage.Executions;
using Scheduler.Testing;
using Scheduler.WaitEcho.Kafka;

namespace Scheduler.Executor.Tests;

/// <summary>The Kafka target against a real Kafka protocol peer (librdkafka's mock cluster), read by a separate consumer.</summary>
public class KafkaTests
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private static ScheduleRequest Kafka(string name, string topic, string? key = null, Dictionary<string, string>? headers = null, string? value = null, int maxAttempts = 5) => new()
    {
        Name = name,
        MaxAttempts = maxAttempts,
        Target = new TargetRequest
        {
            Type = "kafka",
            Topic = topic,
            Key = key,
            Headers = headers,
            Value = value is null ? null : JsonDocument.Parse(value).RootElement,
        },
    };

    [Fact]
    public async Task A_trigger_arrives_with_key_headers_and_value()
    {
        using var kafka = MockKafkaCluster.Start();
        await using var harness = await FiringHarness.StartAsync();
        var envelope = await harness.CreateAsync(Kafka("envelope", "triggers") with { Delay = "1s" });
        var fixedValue = await harness.CreateAsync(Kafka("fixed", "triggers", key: "customer-42",
            headers: new() { ["team"] = "billing" }, value: """{"report":"daily","n":1}""") with { Delay = "1s" });
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, await TestExecutor.DrainAsync(harness.Executor("a", kafka: kafka.BootstrapServers)));

        var messages = KafkaProbe.Read(kafka.BootstrapServers, "triggers", m => m.Count >= 2, ReadTimeout);
        var executions = await harness.ExecutionsAsync();
        Assert.All(executions, e => Assert.Equal("succeeded", e.Status));

        var first = Assert.Single(messages, m => m.Header(TriggerHeaders.ScheduleId) == envelope.Id.ToString());
        var firstExecution = Assert.Single(executions, e => e.ScheduleId == envelope.Id);
        Assert.Equal(envelope.Id.ToString(), first.Message.Key);
        Assert.Equal(firstExecution.Id.ToString(), first.Header(TriggerHeaders.ExecutionId));
        Assert.Equal("1", first.Header(TriggerHeaders.Attempt));
        Assert.Equal(firstExecution.ScheduledFor, DateTimeOffset.Parse(first.Header(TriggerHeaders.ScheduledFor), System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith("application/cloudevents+json", first.Header("content-type"), StringComparison.Ordinal);
        var cloudEvent = JsonDocument.Parse(first.Message.Value).RootElement;
        Assert.Equal(("1.0", firstExecution.Id.ToString(), TriggerEnvelope.EventType),
            (cloudEvent.GetProperty("specversion").GetString(), cloudEvent.GetProperty("id").GetString(), cloudEvent.GetProperty("type").GetString()));
        Assert.Equal("envelope", cloudEvent.GetProperty("data").GetProperty("scheduleName").GetString());

        var second = Assert.Single(messages, m => m.Header(TriggerHeaders.ScheduleId) == fixedValue.Id.ToString());
        Assert.Equal("customer-42", second.Message.Key);
        Assert.Equal("billing", second.Header("team"));
        // Stored as jsonb: the same JSON, though object keys may come back in another order.
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse("""{"report":"daily","n":1}"""),
            System.Text.Json.Nodes.JsonNode.Parse(second.Message.Value)), Encoding.UTF8.GetString(second.Message.Value));
    }

    [Fact]
    public async Task WaitEcho_records_kafka_triggers_beside_http_ones()
    {
        using var kafka = MockKafkaCluster.Start();
        await using var harness = await FiringHarness.StartAsync();
        await using var echo = await WaitEchoServer.StartAsync(kafkaBootstrapServers: kafka.BootstrapServers, kafkaTopics: "echoed");
        var viaKafka = await harness.CreateAsync(Kafka("to-kafka", "echoed") with { Delay = "1s" });
        var viaHttp = await harness.CreateAsync(FiringHarness.Webhook("to-http", echo.EchoUrl()) with { Delay = "1s" });
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, await TestExecutor.DrainAsync(harness.Executor("a", kafka: kafka.BootstrapServers)));

        await WaitFor.ConditionAsync(async () => (await echo.ReceivedAsync()).Count == 2, ReadTimeout, "both triggers at WaitEcho");
        var received = await echo.ReceivedAsync();
        var executions = await harness.ExecutionsAsync();
        var fromKafka = Assert.Single(received, r => r.Transport == "kafka");
        Assert.Equal((viaKafka.Id.ToString(), "echoed", viaKafka.Id.ToString()), (fromKafka.ScheduleId, fromKafka.Path, fromKafka.Key));
        Assert.Equal(executions.Single(e => e.ScheduleId == viaKafka.Id).Id.ToString(), fromKafka.ExecutionId);
        Assert.Equal(1, fromKafka.Attempt);
        Assert.Single(received, r => r.Transport == "http" && r.ScheduleId == viaHttp.Id.ToString());
    }

    [Fact]
    public async Task Many_schedules_on_one_topic_stay_in_order_per_key()
    {
        using var kafka = MockKafkaCluster.Start();
        await using var harness = await FiringHarness.StartAsync();
        var schedules = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            schedules.Add((await harness.CreateAsync(Kafka($"every-second-{i}", "ordered") with { Cron = "* * * * * *" })).Id);
        }
        var executor = harness.Executor("a", kafka: kafka.BootstrapServers);
        for (var round = 0; round < 5; round++)
        {
            harness.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(10, await TestExecutor.DrainAsync(executor));
        }

        var messages = KafkaProbe.Read(kafka.BootstrapServers, "ordered", m => m.Count >= 50, ReadTimeout);
        Assert.Equal(50, messages.Count);
        foreach (var group in messages.GroupBy(m => m.Message.Key))
        {
            Assert.Contains(Guid.Parse(group.Key), schedules);
            Assert.Single(group.Select(m => m.Partition.Value).Distinct());
            var times = group.OrderBy(m => m.Offset.Value).Select(m => m.Header(TriggerHeaders.ScheduledFor)).ToList();
            Assert.Equal(5, times.Count);
            Assert.Equal(times.Order(StringComparer.Ordinal), times);
        }
    }

    [Fact]
    public async Task Broker_outage_dead_letters_after_retries_and_a_redrive_delivers_once_it_is_back()
    {
        await using var broker = await WaitEchoProcess.StartWithMockKafkaAsync();
        await using var harness = await FiringHarness.StartAsync();
        // Real time here: the broker's silence must really last longer than each attempt's timeout.
        await using var executor = new TestExecutor(harness.ConnectionString, TimeProvider.System, "a",
            o => o.RetryInitialBackoff = TimeSpan.FromMilliseconds(100), broker.KafkaBootstrapServers);
        var warm = await harness.CreateAsync(Kafka("warm-up", "outage") with { RunAt = harness.Time.GetUtcNow().ToString("O") });
        Assert.Equal(1, await executor.DrainAsync());

        broker.Freeze();
        var request = Kafka("during-outage", "outage", maxAttempts: 3) with { RunAt = DateTimeOffset.UtcNow.AddMilliseconds(100).ToString("O") };
        request = request with { Target = request.Target! with { Timeout = "1s" } };
        var schedule = await harness.CreateAsync(request);
        await WaitFor.ConditionAsync(async () =>
        {
            await executor.DrainAsync();
            return (await harness.ExecutionsAsync(schedule.Id)) is [{ Status: "dead" }];
        }, TimeSpan.FromSeconds(30), "the execution to be dead-lettered while the broker is frozen", harness.DescribeAsync);
        var dead = Assert.Single(await harness.ExecutionsAsync(schedule.Id));
        Assert.Equal(3, dead.Attempt);
        Assert.All(await harness.AttemptsAsync(dead.Id), a => Assert.Equal("timeout", a.Outcome));

        broker.Thaw();
        Assert.NotNull(await new HistoryStore(harness.DataSource).RedriveAsync("default", dead.Id, DateTimeOffset.UtcNow, CancellationToken.None));
        await WaitFor.ConditionAsync(async () =>
        {
            await executor.DrainAsync();
            return (await harness.ExecutionsAsync(schedule.Id)) is [{ Status: "succeeded" }];
        }, TimeSpan.FromSeconds(30), "the redriven execution to be delivered", harness.DescribeAsync);

        // Read until both are seen: they may sit on different partitions, read in any order.
        var messages = KafkaProbe.Read(broker.KafkaBootstrapServers, "outage",
            m => m.Any(x => x.Header(TriggerHeaders.ExecutionId) == dead.Id.ToString() && x.Header(TriggerHeaders.Attempt) == "4")
                 && m.Any(x => x.Message.Key == warm.Id.ToString()), ReadTimeout);
        var delivered = messages.Where(m => m.Message.Key == schedule.Id.ToString()).ToList();
        // At least the redrive's attempt; attempts that timed out may also have got through late: same id.
        Assert.NotEmpty(delivered);
        Assert.All(delivered, m => Assert.Equal(dead.Id.ToString(), m.Header(TriggerHeaders.ExecutionId)));
        Assert.Contains(delivered, m => m.Header(TriggerHeaders.Attempt) == "4");
        Assert.Contains(messages, m => m.Message.Key == warm.Id.ToString());
    }

    [Fact]
    public async Task Executor_killed_mid_batch_loses_nothing_and_duplicates_carry_the_same_execution_id()
    {
        using var kafka = MockKafkaCluster.Start();
        await using var harness = await FiringHarness.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            await harness.CreateAsync(Kafka($"batch-{i}", "batch") with { Delay = "1s" });
        }
        harness.Time.Advance(TimeSpan.FromSeconds(1));

        // The doomed executor claims the batch and publishes half of it, then dies before recording anything.
        var store = new ExecutionStore(harness.DataSource, NullLogger<ExecutionStore>.Instance);
        var claimed = (await store.ClaimAsync(new ClaimRequest("doomed", harness.Time.GetUtcNow(), TimeSpan.Zero, 100,
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), CancellationToken.None)).Executions;
        Assert.Equal(10, claimed.Count);
        using (var doomed = new KafkaDeliverer(Options.Create(new KafkaOptions { BootstrapServers = kafka.BootstrapServers }), TimeProvider.System,
                   NullLogger<KafkaDeliverer>.Instance))
        {
            foreach (var execution in claimed.Take(5))
            {
                Assert.Equal(AttemptResult.Succeeded, (await doomed.DeliverAsync(execution, execution.TargetSpec, CancellationToken.None)).Result);
            }
        }

        var survivor = harness.Executor("survivor", kafka: kafka.BootstrapServers);
        harness.Time.Advance(TimeSpan.FromSeconds(13.001));
        Assert.Equal(10, await TestExecutor.DrainAsync(survivor));

        var messages = KafkaProbe.Read(kafka.BootstrapServers, "batch", m => m.Count >= 15, ReadTimeout);
        Assert.Equal(15, messages.Count);
        var byExecution = messages.GroupBy(m => m.Header(TriggerHeaders.ExecutionId)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(claimed.Select(c => c.Id.ToString()).Order(), byExecution.Keys.Order());
        foreach (var execution in claimed.Take(5))
        {
            Assert.Equal(["1", "2"], byExecution[execution.Id.ToString()].Select(m => m.Header(TriggerHeaders.Attempt)).Order());
        }
        Assert.All(await harness.ExecutionsAsync(), e => Assert.Equal("succeeded", e.Status));
    }
}
