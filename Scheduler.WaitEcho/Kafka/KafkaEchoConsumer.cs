using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Options;
using Scheduler.WaitEcho.Echo;

namespace Scheduler.WaitEcho.Kafka;

/// <summary>Consumes the configured topics and records every message in the same log as <c>/echo</c>.</summary>
internal sealed class KafkaEchoConsumer(
    IOptions<KafkaEchoOptions> options,
    KafkaBootstrap bootstrap,
    ReceivedLog log,
    Work.Worker worker,
    TimeProvider time,
    ILogger<KafkaEchoConsumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Consume() blocks: give it a thread of its own.
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var servers = bootstrap.Servers!;
        var topics = options.Value.Topics.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        await CreateTopicsAsync(servers, topics);
        using var consumer = new ConsumerBuilder<string?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = servers,
            GroupId = options.Value.GroupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
        }).SetErrorHandler((_, e) => logger.LogDebug("Kafka consumer: {Reason}", e.Reason)).Build();
        consumer.Subscribe(topics);
        logger.LogInformation("Consuming Kafka topics {Topics} from {Servers}", string.Join(", ", topics), servers);
        while (!stoppingToken.IsCancellationRequested)
        {
            ConsumeResult<string?, byte[]?> result;
            try
            {
                result = consumer.Consume(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ConsumeException e)
            {
                logger.LogWarning("Kafka consume failed: {Reason}", e.Error.Reason);
                continue;
            }
            Record(result);
        }
        consumer.Close();
    }

    private void Record(ConsumeResult<string?, byte[]?> result)
    {
        var receivedAt = time.GetUtcNow();
        var headers = result.Message.Headers.ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes()), StringComparer.OrdinalIgnoreCase);
        var body = result.Message.Value is { } value ? Encoding.UTF8.GetString(value) : "";
        var entry = log.Add(ReceivedTrigger.FromHeaders("kafka", receivedAt, headers, body) with
        {
            Path = result.Topic,
            Key = result.Message.Key,
            Partition = result.Partition.Value,
            Offset = result.Offset.Value,
        });
        // A trigger with a callback is work: WaitEcho runs it as the value's "work" object says, and reports back over HTTP.
        worker.TryStart(headers, Work.WorkOrder.FromJson(body), null);
        logger.LogInformation("#{Sequence} kafka {Topic}[{Partition}]@{Offset} key {Key} execution {ExecutionId} attempt {Attempt}, {Lateness:0.0} ms late",
            entry.Sequence, result.Topic, entry.Partition, entry.Offset, entry.Key, entry.ExecutionId, entry.Attempt, entry.LatenessMs);
    }

    private async Task CreateTopicsAsync(string servers, string[] topics)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).Build();
        try
        {
            // librdkafka's mock cluster creates the topics but never answers the request: bound the wait.
            await admin.CreateTopicsAsync(topics.Select(t => new TopicSpecification { Name = t, NumPartitions = options.Value.Partitions, ReplicationFactor = 1 }))
                .WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
        }
        catch (TimeoutException)
        {
            // Ask for each topic's metadata instead, so the consumer subscribes to topics that exist: subscribed straight away
            // it warned "Unknown topic or partition" at every start of run.sh.
            var missing = topics.Where(t => admin.GetMetadata(t, TimeSpan.FromSeconds(2)).Topics.SingleOrDefault() is not { Error.Code: ErrorCode.NoError })
                .ToList();
            if (missing.Count > 0)
            {
                logger.LogWarning("Topics {Topics} were not created in 5 s; consuming anyway", string.Join(", ", missing));
            }
        }
        catch (KafkaException e)
        {
            // The broker may auto-create topics, or an operator does; consuming still works once they exist.
            logger.LogWarning("Could not create topics {Topics}: {Reason}; consuming anyway", string.Join(", ", topics), e.Error.Reason);
        }
    }
}

/// <summary>Where WaitEcho's Kafka is: a named broker, or the mock cluster it hosts.</summary>
public sealed class KafkaBootstrap(string? servers)
{
    public string? Servers { get; } = servers;
}
