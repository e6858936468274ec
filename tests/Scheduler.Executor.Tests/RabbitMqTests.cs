using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using Scheduler.Common.Delivery;
using Scheduler.Common.Schedules;
using Scheduler.Testing;

namespace Scheduler.Executor.Tests;

/// <summary>One RabbitMQ node for the class's tests (each uses queues of its own).</summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    public RabbitMqServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RabbitMqServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The RabbitMQ target against a real RabbitMQ node, read back by independent clients (Debian's amqp-tools, and a plain AMQP consumer).</summary>
public class RabbitMqTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>
{
    private static TargetRequest Rabbit(string? exchange, string? routingKey, Dictionary<string, string>? headers = null, string? body = null, string connection = "orders") => new()
    {
        Type = "rabbitmq",
        Connection = connection,
        Exchange = exchange,
        RoutingKey = routingKey,
        Headers = headers,
        Body = body is null ? null : JsonDocument.Parse(body).RootElement,
        Timeout = "5s",
    };

    private Dictionary<string, (string Type, string Uri)> Connections => new() { ["orders"] = ("rabbitmq", rabbit.Server.Uri) };

    [Fact]
    public async Task A_trigger_is_confirmed_and_arrives_persistent_with_its_execution_id_and_cloud_events_properties()
    {
        await rabbit.Server.DeclareAsync("billing-a", exchange: "billing", routingKey: "daily");
        await rabbit.Server.DeclareAsync("billing-b");
        await using var harness = await FiringHarness.StartAsync();
        var envelope = await harness.CreateAsync(BrokerTesting.OneShot("to-exchange", Rabbit("billing", "daily", new() { ["team"] = "billing" })));
        var fixedBody = await harness.CreateAsync(BrokerTesting.OneShot("to-queue", Rabbit(null, "billing-b", body: """{"report":"daily","n":1}""")));
        await using var executor = BrokerTesting.Executor(harness, "a", Connections);

        await BrokerTesting.UntilAsync(harness, executor, e => e.Count == 2 && e.All(x => x.Status == "succeeded"), "both confirmed");
        var executions = await harness.ExecutionsAsync();

        await using var connection = await rabbit.Server.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var message = await channel.BasicGetAsync("billing-a", autoAck: true);
        Assert.NotNull(message);
        var execution = executions.Single(e => e.ScheduleId == envelope.Id);
        var properties = message.BasicProperties;
        Assert.Equal(execution.Id.ToString(), properties.MessageId);
        Assert.True(properties.Persistent);
        Assert.StartsWith("application/cloudevents+json", properties.ContentType, StringComparison.Ordinal);
        Assert.Equal(TriggerEnvelope.EventType, properties.Type);
        string Header(string name) => Encoding.UTF8.GetString((byte[])properties.Headers![name]!);
        Assert.Equal("billing", Header("team"));
        Assert.Equal(execution.Id.ToString(), Header(TriggerHeaders.ExecutionId));
        Assert.Equal("1", Header(TriggerHeaders.Attempt));
        Assert.Equal((execution.Id.ToString(), TriggerEnvelope.EventType, "1.0", "to-exchange"),
            (Header("cloudEvents:id"), Header("cloudEvents:type"), Header("cloudEvents:specversion"), Header("cloudEvents:subject")));
        Assert.Equal(execution.ScheduledFor, DateTimeOffset.Parse(Header("cloudEvents:time"), System.Globalization.CultureInfo.InvariantCulture));
        var cloudEvent = JsonDocument.Parse(message.Body).RootElement;
        Assert.Equal((execution.Id.ToString(), "to-exchange"), (cloudEvent.GetProperty("id").GetString(), cloudEvent.GetProperty("data").GetProperty("scheduleName").GetString()));

        // The fixed body, read by an independent client: Debian's amqp-consume.
        var bodies = await rabbit.Server.ConsumeWithAmqpToolsAsync("billing-b", 1);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"report":"daily","n":1}"""), JsonNode.Parse(Assert.Single(bodies))), bodies[0]);
        Assert.Equal(0u, await rabbit.Server.CountAsync("billing-b"));

        // Statistics per target: connection and exchange (the default exchange named as such).
        var stats = await new Storage.Statistics.StatisticsStore(harness.DataSource).ComputeAsync("default", DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        Assert.Equal(1, Assert.Single(stats.Targets, t => t.Host == "rabbitmq/orders/billing").Attempts);
        Assert.Equal(1, Assert.Single(stats.Targets, t => t.Host == "rabbitmq/orders/(default)").Attempts);
    }

    [Fact]
    public async Task An_unroutable_message_or_a_missing_exchange_is_a_failed_attempt_and_the_channel_keeps_working()
    {
        await rabbit.Server.DeclareAsync("routed", exchange: "events", routingKey: "bound");
        await using var harness = await FiringHarness.StartAsync();
        var unroutable = await harness.CreateAsync(BrokerTesting.OneShot("unroutable", Rabbit("events", "nobody-binds-this"), maxAttempts: 2));
        var missing = await harness.CreateAsync(BrokerTesting.OneShot("missing-exchange", Rabbit("no-such-exchange", "x"), maxAttempts: 2));
        var noQueue = await harness.CreateAsync(BrokerTesting.OneShot("no-queue", Rabbit(null, "no-such-queue"), maxAttempts: 2));
        var good = await harness.CreateAsync(BrokerTesting.OneShot("good", Rabbit("events", "bound"), after: TimeSpan.FromSeconds(1)));
        await using var executor = BrokerTesting.Executor(harness, "a", Connections);

        await BrokerTesting.UntilAsync(harness, executor, e => e.Count == 4 && e.All(x => x.Status is "dead" or "succeeded"), "every execution to end");
        var executions = await harness.ExecutionsAsync();
        Assert.Equal("succeeded", executions.Single(e => e.ScheduleId == good.Id).Status);
        Assert.Equal(1u, await rabbit.Server.CountAsync("routed"));

        var dead = executions.Single(e => e.ScheduleId == unroutable.Id);
        Assert.Equal(("dead", 2), (dead.Status, dead.Attempt));
        Assert.Contains("unroutable", dead.LastError, StringComparison.Ordinal);
        Assert.Contains("routing key 'nobody-binds-this'", dead.LastError, StringComparison.Ordinal);
        Assert.All(await harness.AttemptsAsync(dead.Id), a => Assert.Equal("failed", a.Outcome));
        Assert.Contains("exchange 'no-such-exchange' does not exist", executions.Single(e => e.ScheduleId == missing.Id).LastError, StringComparison.Ordinal);
        Assert.Contains("the default exchange", executions.Single(e => e.ScheduleId == noQueue.Id).LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_this_executor_lacks_fails_the_attempt_saying_so()
    {
        await using var harness = await FiringHarness.StartAsync();
        await harness.CreateAsync(BrokerTesting.OneShot("elsewhere", Rabbit("x", "y", connection: "payments"), maxAttempts: 1));
        await using var executor = BrokerTesting.Executor(harness, "a", Connections);

        await BrokerTesting.UntilAsync(harness, executor, e => e is [{ Status: "dead" }], "the execution to be dead-lettered");
        var dead = Assert.Single(await harness.ExecutionsAsync());
        Assert.Contains("no RabbitMQ connection named 'payments'", dead.LastError, StringComparison.Ordinal);
        Assert.Contains("Brokers:payments", dead.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_target_its_tenant_has_no_grant_for_is_refused_at_delivery_without_retrying_and_counted_for_that_tenant_alone()
    {
        await rabbit.Server.DeclareAsync("granted", exchange: "billing.eu", routingKey: "daily");
        await rabbit.Server.DeclareAsync("paid", exchange: "payments", routingKey: "daily");
        await using var harness = await FiringHarness.StartAsync();
        // Stored while every tenant could publish anywhere (or before an operator took a grant back).
        var granted = await harness.CreateAsync(BrokerTesting.OneShot("granted", Rabbit("billing.eu", "daily")), tenant: "acme");
        var outside = await harness.CreateAsync(BrokerTesting.OneShot("outside", Rabbit("payments", "daily")), tenant: "acme");
        var ungranted = await harness.CreateAsync(BrokerTesting.OneShot("ungranted", Rabbit("billing.eu", "daily")), tenant: "globex");
        await using var executor = new TestExecutor(harness.ConnectionString, TimeProvider.System, "a", o => o.RetryInitialBackoff = TimeSpan.FromMilliseconds(200),
            settings: new Dictionary<string, string?>
            {
                ["Brokers:orders:Type"] = "rabbitmq",
                ["Brokers:orders:Uri"] = rabbit.Server.Uri,
                ["Brokers:orders:Tenants:acme"] = "billing.",
            });

        await BrokerTesting.UntilAsync(harness, executor, e => e.Count == 3 && e.All(x => x.Status is "dead" or "succeeded"), "every execution to end");
        var executions = await harness.ExecutionsAsync();
        Assert.Equal("succeeded", executions.Single(e => e.ScheduleId == granted.Id).Status);
        var refusedPrefix = executions.Single(e => e.ScheduleId == outside.Id);
        Assert.Equal(("dead", 1), (refusedPrefix.Status, refusedPrefix.Attempt));
        Assert.Contains("tenant 'acme' may use broker connection 'orders' only for exchanges starting with 'billing.', not 'payments'", refusedPrefix.LastError, StringComparison.Ordinal);
        var refusedTenant = executions.Single(e => e.ScheduleId == ungranted.Id);
        Assert.Equal(("dead", 1), (refusedTenant.Status, refusedTenant.Attempt));
        Assert.Contains("tenant 'globex' has no grant for broker connection 'orders'", refusedTenant.LastError, StringComparison.Ordinal);
        // Nothing reached the broker for the refused ones.
        Assert.Equal((1u, 0u), (await rabbit.Server.CountAsync("granted"), await rabbit.Server.CountAsync("paid")));

        var counts = executor.Dispatcher.CountsByTenant();
        Assert.Equal([2, 1], counts["acme"]);
        Assert.Equal([1, 1], counts["globex"]);
        Assert.False(counts.ContainsKey("default"));
    }

    [Fact]
    public async Task A_broker_killed_mid_burst_and_restarted_gets_every_trigger_afterwards_none_early_none_lost()
    {
        await using var server = await RabbitMqServer.StartAsync();
        await server.DeclareAsync("burst", exchange: "jobs", routingKey: "run");
        await using var harness = await FiringHarness.StartAsync();
        const int count = 150;
        var start = DateTimeOffset.UtcNow.AddSeconds(1);
        for (var i = 0; i < count; i++)
        {
            // Spread over three seconds, so the kill lands in the middle of them.
            await harness.CreateAsync(BrokerTesting.OneShot($"burst-{i}", Rabbit("jobs", "run") with { Timeout = "2s" }, maxAttempts: 100) with
            {
                RunAt = start.AddMilliseconds(i * 20).ToString("O"),
            });
        }
        await using var executor = BrokerTesting.Executor(harness, "a", new Dictionary<string, (string, string)> { ["orders"] = ("rabbitmq", server.Uri) });
        var firing = Task.Run(() => BrokerTesting.UntilAsync(harness, executor, e => e.Count == count && e.All(x => x.Status == "succeeded"), "every trigger confirmed"));

        await WaitFor.ConditionAsync(async () => (await harness.ExecutionsAsync()).Count(e => e.Status == "succeeded") >= count / 3,
            BrokerTesting.Patience, "a third of the burst delivered");
        await server.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        await WaitFor.ConditionAsync(async () => (await harness.ExecutionsAsync()).Any(e => e.Status == "pending" && e.Attempt > 1),
            BrokerTesting.Patience, "attempts to fail while the broker is down", harness.DescribeAsync);
        await server.LaunchAsync(TimeSpan.FromSeconds(90));
        await firing;

        var executions = await harness.ExecutionsAsync();
        Assert.All(executions, e => Assert.Equal("succeeded", e.Status));
        Assert.Contains(executions, e => e.Attempt > 1);
        foreach (var execution in executions)
        {
            Assert.All(await harness.AttemptsAsync(execution.Id), a => Assert.True(a.StartedAt >= execution.ScheduledFor, $"{execution.Id} attempt {a.Attempt} early"));
        }
        // Nothing lost: every execution's message is in the queue (confirmed means persisted); a repeat can only be of the same execution.
        await using var connection = await server.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var ids = new List<string>();
        while (await channel.BasicGetAsync("burst", autoAck: true) is { } message)
        {
            ids.Add(message.BasicProperties.MessageId!);
        }
        Assert.Equal(executions.Select(e => e.Id.ToString()).Order(), ids.Distinct().Order());
        Assert.True(killedAt > start, "the broker was killed during the burst");
    }
}
