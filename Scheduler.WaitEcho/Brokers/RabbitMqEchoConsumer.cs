using System.Text;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Scheduler.WaitEcho.Echo;

namespace Scheduler.WaitEcho.Brokers;

/// <summary>Declares an exchange and a queue, consumes it and records every message in the same log as <c>/echo</c> (transport <c>rabbitmq</c>).</summary>
internal sealed class RabbitMqEchoConsumer(IOptions<RabbitMqEchoOptions> options, ReceivedLog log, Work.Worker worker, TimeProvider time,
    ILogger<RabbitMqEchoConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var factory = new ConnectionFactory { Uri = new Uri(settings.Uri!), AutomaticRecoveryEnabled = true, ClientProvidedName = "waitecho" };
        IConnection? connection = null;
        while (connection is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                connection = await factory.CreateConnectionAsync(stoppingToken);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
            {
                logger.LogWarning("RabbitMQ not reachable yet: {Message}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
        if (connection is null)
        {
            return;
        }
        await using (connection)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
            await channel.ExchangeDeclareAsync(settings.Exchange, ExchangeType.Topic, durable: true, cancellationToken: stoppingToken);
            await channel.QueueDeclareAsync(settings.Queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: stoppingToken);
            await channel.QueueBindAsync(settings.Queue, settings.Exchange, "#", cancellationToken: stoppingToken);
            await channel.BasicQosAsync(0, 500, global: false, stoppingToken);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                Record(delivery);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            };
            await channel.BasicConsumeAsync(settings.Queue, autoAck: false, consumer, stoppingToken);
            logger.LogInformation("Consuming RabbitMQ queue {Queue} (bound to exchange {Exchange})", settings.Queue, settings.Exchange);
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void Record(BasicDeliverEventArgs delivery)
    {
        var headers = (delivery.BasicProperties.Headers ?? new Dictionary<string, object?>())
            .ToDictionary(h => h.Key, h => h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString() ?? "", StringComparer.OrdinalIgnoreCase);
        if (delivery.BasicProperties.ContentType is { } contentType)
        {
            headers["content-type"] = contentType;
        }
        var body = Encoding.UTF8.GetString(delivery.Body.Span);
        var entry = log.Add(ReceivedTrigger.FromHeaders("rabbitmq", time.GetUtcNow(), headers, body) with
        {
            Path = $"{delivery.Exchange}/{delivery.RoutingKey}",
            Key = delivery.BasicProperties.MessageId,
        });
        worker.TryStart(headers, Work.WorkOrder.FromJson(body), null);
        logger.LogInformation("#{Sequence} rabbitmq {Exchange}/{RoutingKey} execution {ExecutionId} attempt {Attempt}, {Lateness:0.0} ms late",
            entry.Sequence, delivery.Exchange, delivery.RoutingKey, entry.ExecutionId, entry.Attempt, entry.LatenessMs);
    }
}
