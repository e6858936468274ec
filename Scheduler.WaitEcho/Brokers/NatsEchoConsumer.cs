using System.Text;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;
using Scheduler.WaitEcho.Echo;

namespace Scheduler.WaitEcho.Brokers;

/// <summary>Creates a stream (if missing) and a durable consumer, and records every message in the same log as <c>/echo</c> (transport <c>nats</c>).</summary>
internal sealed class NatsEchoConsumer(IOptions<NatsEchoOptions> options, ReceivedLog log, Work.Worker worker, TimeProvider time,
    ILogger<NatsEchoConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var connection = new NatsConnection(new NatsOpts { Url = settings.Url!, Name = "waitecho", RetryOnInitialConnect = true });
        var js = connection.CreateJetStreamContext();
        INatsJSConsumer? consumer = null;
        while (consumer is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await js.CreateOrUpdateStreamAsync(new StreamConfig(settings.Stream, settings.Subjects.Split(',', StringSplitOptions.TrimEntries)), stoppingToken);
                consumer = await js.CreateOrUpdateConsumerAsync(settings.Stream, new ConsumerConfig(settings.Consumer) { AckPolicy = ConsumerConfigAckPolicy.Explicit }, stoppingToken);
            }
            catch (Exception e) when (e is NatsException or NatsJSException)
            {
                logger.LogWarning("NATS JetStream not ready yet: {Message}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
        if (consumer is null)
        {
            return;
        }
        logger.LogInformation("Consuming JetStream stream {Stream} ({Subjects})", settings.Stream, settings.Subjects);
        try
        {
            await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: stoppingToken))
            {
                Record(message);
                await message.AckAsync(cancellationToken: stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Record(INatsJSMsg<byte[]> message)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in message.Headers ?? [])
        {
            headers[name] = values.ToString();
        }
        var body = message.Data is { } data ? Encoding.UTF8.GetString(data) : "";
        var entry = log.Add(ReceivedTrigger.FromHeaders("nats", time.GetUtcNow(), headers, body) with
        {
            Path = message.Subject,
            Key = headers.GetValueOrDefault("Nats-Msg-Id"),
        });
        worker.TryStart(headers, Work.WorkOrder.FromJson(body), null);
        logger.LogInformation("#{Sequence} nats {Subject} execution {ExecutionId} attempt {Attempt}, {Lateness:0.0} ms late",
            entry.Sequence, message.Subject, entry.ExecutionId, entry.Attempt, entry.LatenessMs);
    }
}
