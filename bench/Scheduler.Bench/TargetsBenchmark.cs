using System.Diagnostics;
using System.Net.Http.Json;
using Npgsql;
using Scheduler.Testing;

namespace Scheduler.Bench;

/// <summary>The burst with each target type: webhook to WaitEcho, and Kafka, RabbitMQ and NATS JetStream messages WaitEcho consumes.</summary>
internal static class TargetsBenchmark
{
    private sealed record Row(string Type, TriggerBenchmarks.BurstRun Run);

    public static async Task<ScenarioResult> RunAsync(int count, int executors)
    {
        var rows = new List<Row>();
        var failures = new List<string>();
        foreach (var type in new[] { "webhook", "kafka", "rabbitmq", "nats" })
        {
            var (row, problems) = await BurstAsync(type, count, executors);
            rows.Add(row);
            failures.AddRange(problems.Select(p => $"{type}: {p}"));
        }
        var table = $"Burst by target type: {count:N0} one-shots due at one instant, {executors} executors (fired, acknowledged by the target, recorded)\n\n" +
            "| target | drain | triggers/s | at WaitEcho / distinct / early | lateness at WaitEcho p50 / p99 / max | executor CPU per trigger | executor CPU (cores) / peak RSS |\n" +
            "|---|---|---|---|---|---|---|\n" +
            string.Join('\n', rows.Select(r => $"| {r.Type} | {r.Run.Drain.TotalSeconds:0.00} s | {r.Run.Rate:N0} | " +
                $"{r.Run.Summary.Count:N0} / {r.Run.Summary.DistinctExecutions:N0} / {r.Run.Summary.Early} | {r.Run.Summary.P50:0} / {r.Run.Summary.P99:0} / {r.Run.Summary.Max:0} ms | " +
                $"{r.Run.ExecutorCpuPerTrigger:0} µs | {r.Run.ExecutorResources} |")) + "\n";
        return new(table, rows[0].Run.Rate, failures);
    }

    private static async Task<(Row Row, List<string> Failures)> BurstAsync(string type, int count, int executors)
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
        await using var rabbit = type == "rabbitmq" ? await RabbitMqServer.StartAsync() : null;
        await using var nats = type == "nats" ? await NatsServer.StartAsync() : null;
        var echoSettings = new Dictionary<string, string>();
        var executorSettings = new Dictionary<string, string>();
        switch (type)
        {
            case "kafka":
                echoSettings["WaitEcho__Kafka__Mock"] = "true";
                break;
            case "rabbitmq":
                echoSettings["WaitEcho__RabbitMq__Uri"] = rabbit!.Uri;
                (executorSettings["Brokers__orders__Type"], executorSettings["Brokers__orders__Uri"]) = ("rabbitmq", rabbit.Uri);
                break;
            case "nats":
                echoSettings["WaitEcho__Nats__Url"] = nats!.Uri;
                (executorSettings["Brokers__events__Type"], executorSettings["Brokers__events__Uri"]) = ("nats", nats.Uri);
                break;
        }
        var echo = await cluster.StartWaitEchoAsync(count, echoSettings);
        if (type == "kafka")
        {
            using var http = new HttpClient { BaseAddress = echo };
            executorSettings["Kafka__BootstrapServers"] = (await http.GetFromJsonAsync<KafkaAddress>("/kafka"))!.BootstrapServers;
        }
        var target = type switch
        {
            "webhook" => $$"""{"type":"webhook","url":"{{new Uri(echo, "/echo")}}","method":"POST","headers":{},"timeout":"PT3S"}""",
            "kafka" => """{"type":"kafka","topic":"triggers","headers":{},"timeout":"PT3S"}""",
            "rabbitmq" => """{"type":"rabbitmq","connection":"orders","exchange":"triggers","routingKey":"burst","headers":{},"timeout":"PT3S"}""",
            _ => """{"type":"nats","connection":"events","subject":"triggers.burst","headers":{},"timeout":"PT3S"}""",
        };
        var run = await TriggerBenchmarks.RunBurstAsync(cluster, dataSource, echo, count, executors, executorSettings, target, $"burst-{type}");
        return (new Row(type, run), TriggerBenchmarks.Check(run.Summary, count));
    }

    private sealed record KafkaAddress(string BootstrapServers);
}
