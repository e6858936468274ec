using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scheduler.Common.Delivery;
using Scheduler.Common.Targets;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Delivery;

/// <summary>
/// Publishes triggers to Kafka through one idempotent producer per process (<c>acks=all</c>). Success is the
/// broker's acknowledgement within the target's timeout; anything else is retried like a webhook failure.
/// </summary>
public sealed class KafkaDeliverer : ITriggerDeliverer, IDisposable
{
    // After an attempt times out librdkafka may still deliver the queued message (a duplicate with the same
    // execution id, which at-least-once allows); this bounds how long it keeps trying.
    private static readonly TimeSpan MessageTimeout = TargetSpec.MaxTimeout + TimeSpan.FromSeconds(5);

    private readonly Lazy<IProducer<string, byte[]>?> _producer;
    private readonly TimeProvider _time;
    private readonly ILogger<KafkaDeliverer> _logger;

    public KafkaDeliverer(IOptions<KafkaOptions> options, TimeProvider time, ILogger<KafkaDeliverer> logger)
    {
        _time = time;
        _logger = logger;
        _producer = new Lazy<IProducer<string, byte[]>?>(() => Build(options.Value));
    }

    public string TargetType => "kafka";

    public async Task<DeliveryResult> DeliverAsync(ClaimedExecution execution, TargetSpec target, CancellationToken cancellationToken)
    {
        var kafka = (KafkaTarget)target;
        if (_producer.Value is not { } producer)
        {
            return new DeliveryResult(AttemptResult.Failed, null, "Kafka is not configured on this executor (set Kafka:BootstrapServers)", Retryable: true);
        }
        using var timeout = new CancellationTokenSource(kafka.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await producer.ProduceAsync(kafka.Topic, BuildMessage(execution, kafka), linked.Token);
            return DeliveryResult.Success(null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(AttemptResult.TimedOut, null, $"no acknowledgement from Kafka within {kafka.Timeout.TotalSeconds:0.###} s", Retryable: true);
        }
        catch (ProduceException<string, byte[]> e)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"Kafka {e.Error.Code}: {e.Error.Reason}", Retryable: !e.Error.IsFatal);
        }
        catch (KafkaException e)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"Kafka {e.Error.Code}: {e.Error.Reason}", Retryable: !e.Error.IsFatal);
        }
    }

    private static Message<string, byte[]> BuildMessage(ClaimedExecution execution, KafkaTarget kafka)
    {
        var trigger = execution.Trigger;
        var value = MessageContent.Body(trigger, kafka.Value, out var contentType);
        var headers = new Headers { { "content-type", Encoding.UTF8.GetBytes(contentType) } };
        foreach (var (name, text) in MessageContent.Headers(trigger, kafka.Headers))
        {
            headers.Add(name, Encoding.UTF8.GetBytes(text));
        }
        return new Message<string, byte[]> { Key = kafka.Key ?? trigger.OrderingKey, Value = value.ToArray(), Headers = headers };
    }

    private IProducer<string, byte[]>? Build(KafkaOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            return null;
        }
        var config = new ProducerConfig(options.Producer)
        {
            BootstrapServers = options.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 2,
            MessageTimeoutMs = (int)MessageTimeout.TotalMilliseconds,
        };
        return new ProducerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) =>
            {
                // Broker outages surface as failed attempts; the client's own reports are context, not news.
                if (error.IsFatal)
                {
                    _logger.LogError("Kafka producer failed for good: {Code} {Reason}", error.Code, error.Reason);
                }
                else
                {
                    _logger.LogDebug("Kafka: {Code} {Reason}", error.Code, error.Reason);
                }
            })
            .SetLogHandler((_, message) => _logger.LogDebug("librdkafka {Facility}: {Message}", message.Facility, message.Message))
            .Build();
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated && _producer.Value is { } producer)
        {
            // Flush what is queued so a clean shutdown does not turn deliveries into redeliveries.
            producer.Flush(TimeSpan.FromSeconds(10));
            producer.Dispose();
        }
    }
}
