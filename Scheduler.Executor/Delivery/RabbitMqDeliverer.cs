using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Scheduler.Common.Delivery;
using Scheduler.Common.Targets;
using Scheduler.Executor.Delivery.Brokers;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Delivery;

/// <summary>
/// Publishes triggers to RabbitMQ (AMQP 0-9-1): one long-lived connection per named broker connection, a few channels
/// with publisher confirms, persistent and <c>mandatory</c> messages. Success is the broker's confirm; a message no
/// queue takes (returned), a missing exchange, a nack or no confirm within the timeout is a failed attempt, retried.
/// </summary>
public sealed class RabbitMqDeliverer : ITriggerDeliverer, IAsyncDisposable
{
    private const int ChannelsPerConnection = 4;

    // How long an exchange seen to exist is trusted before it is checked again (a deleted one fails within this).
    private static readonly TimeSpan ExchangeCheckValidity = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, BrokerLink<Client>> _links;
    private readonly TimeProvider _time;

    public RabbitMqDeliverer(IOptions<BrokerOptions> brokers, TimeProvider time, ILogger<RabbitMqDeliverer> logger)
    {
        _time = time;
        _links = brokers.Value.Where(b => b.Value.Type == "rabbitmq").ToDictionary(b => b.Key,
            b => new BrokerLink<Client>(b.Key, token => Client.ConnectAsync(b.Key, b.Value, token), time, logger), StringComparer.Ordinal);
    }

    public string TargetType => "rabbitmq";

    public async Task<DeliveryResult> DeliverAsync(ClaimedExecution execution, TargetSpec target, CancellationToken cancellationToken)
    {
        var rabbit = (RabbitMqTarget)target;
        if (!_links.TryGetValue(rabbit.Connection, out var link))
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"this executor has no RabbitMQ connection named '{rabbit.Connection}' " +
                $"(configure Brokers:{rabbit.Connection}:Type=rabbitmq and its Uri on the executors)", Retryable: true);
        }
        using var timeout = new CancellationTokenSource(rabbit.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Client? client = null;
        try
        {
            client = await link.GetAsync(linked.Token);
            var exchange = rabbit.Exchange ?? "";
            if (exchange.Length > 0 && await client.ExchangeProblemAsync(exchange, _time, linked.Token) is { } problem)
            {
                return new DeliveryResult(AttemptResult.Failed, null, problem, Retryable: true);
            }
            var trigger = execution.Trigger;
            var body = MessageContent.Body(trigger, rabbit.Body, out var contentType);
            var properties = new BasicProperties
            {
                MessageId = trigger.ExecutionId.ToString(),
                Persistent = true,
                ContentType = contentType,
                AppId = "scheduleman",
                Type = TriggerEnvelope.EventType,
                Timestamp = new AmqpTimestamp(_time.GetUtcNow().ToUnixTimeSeconds()),
                Headers = Headers(trigger, rabbit),
            };
            var channel = await client.ChannelAsync(linked.Token);
            await channel.BasicPublishAsync(exchange, rabbit.RoutingKey ?? "", mandatory: true, properties, body, linked.Token);
            return DeliveryResult.Success(null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(AttemptResult.TimedOut, null, $"no confirm from RabbitMQ '{rabbit.Connection}' within {rabbit.Timeout.TotalSeconds:0.###} s", Retryable: true);
        }
        catch (PublishReturnException e)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"RabbitMQ returned the message as unroutable ({e.ReplyCode} {e.ReplyText}): no queue is bound to " +
                $"{(rabbit.Exchange is null ? "the default exchange" : $"exchange '{rabbit.Exchange}'")} for routing key '{rabbit.RoutingKey}'", Retryable: true);
        }
        catch (PublishException)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"RabbitMQ '{rabbit.Connection}' refused the message (nack)", Retryable: true);
        }
        catch (BrokerUnavailableException e)
        {
            return new DeliveryResult(AttemptResult.Failed, null, e.Message, Retryable: true);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or RabbitMQClientException or IOException)
        {
            if (client is { Connection.IsOpen: false, Connection.CloseReason.Initiator: not ShutdownInitiator.Library } && e is AlreadyClosedException)
            {
                // Closed by the application or refused for good (e.g. credentials): connect anew after the backoff.
                link.Reset(client);
            }
            return new DeliveryResult(AttemptResult.Failed, null, $"RabbitMQ '{rabbit.Connection}': {e.Message}", Retryable: true);
        }
    }

    private static Dictionary<string, object?> Headers(TriggerContext trigger, RabbitMqTarget rabbit)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in MessageContent.Headers(trigger, rabbit.Headers))
        {
            headers[name] = Encoding.UTF8.GetBytes(value);
        }
        // The CloudEvents AMQP binding's application properties, beside the same envelope (or configured body) in the body.
        foreach (var (name, value) in TriggerEnvelope.Attributes(trigger))
        {
            headers["cloudEvents:" + name] = Encoding.UTF8.GetBytes(value);
        }
        return headers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links.Values)
        {
            await link.DisposeAsync();
        }
    }

    /// <summary>A connection and its publishing channels (each with publisher confirms), replaced when one is closed by an error.</summary>
    private sealed class Client(IConnection connection) : IAsyncDisposable
    {
        private readonly IChannel?[] _channels = new IChannel?[ChannelsPerConnection];
        private readonly SemaphoreSlim _opening = new(1, 1);
        private readonly ConcurrentDictionary<string, DateTimeOffset> _exchanges = new(StringComparer.Ordinal);
        private int _next;

        public IConnection Connection => connection;

        public static async Task<Client> ConnectAsync(string name, BrokerConnectionOptions options, CancellationToken cancellationToken)
        {
            var (uri, user, password) = options.Resolve();
            var factory = new ConnectionFactory
            {
                // One server (a NATS-style list would name several: the first is used).
                Uri = new Uri(uri.Split(',')[0].Trim(), UriKind.Absolute),
                AutomaticRecoveryEnabled = true,
                TopologyRecoveryEnabled = false,
                NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
                ClientProvidedName = $"scheduleman-executor ({name})",
                RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            };
            if (user is not null)
            {
                factory.UserName = user;
            }
            if (password is not null)
            {
                factory.Password = password;
            }
            return new Client(await factory.CreateConnectionAsync(cancellationToken));
        }

        /// <summary>One of the channels, round robin; a channel closed by a channel error (not a connection outage) is reopened.</summary>
        public async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
        {
            var slot = (int)((uint)Interlocked.Increment(ref _next) % ChannelsPerConnection);
            if (_channels[slot] is { IsOpen: true } open)
            {
                return open;
            }
            await _opening.WaitAsync(cancellationToken);
            try
            {
                if (_channels[slot] is { IsOpen: true } reopened)
                {
                    return reopened;
                }
                if (_channels[slot] is { } closed && !connection.IsOpen)
                {
                    // Recovery reopens the connection's channels: wait for it rather than pile up new ones.
                    return closed;
                }
                return _channels[slot] = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            }
            finally
            {
                _opening.Release();
            }
        }

        /// <summary>
        /// Null when <paramref name="exchange"/> exists (checked passively on a channel of its own at most once a minute):
        /// publishing to a missing exchange would close the shared channel and fail other deliveries with it.
        /// </summary>
        public async Task<string?> ExchangeProblemAsync(string exchange, TimeProvider time, CancellationToken cancellationToken)
        {
            if (_exchanges.TryGetValue(exchange, out var until) && until > time.GetUtcNow())
            {
                return null;
            }
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                await channel.ExchangeDeclarePassiveAsync(exchange, cancellationToken);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                return $"exchange '{exchange}' does not exist on the broker (declare it, then redrive)";
            }
            _exchanges[exchange] = time.GetUtcNow() + ExchangeCheckValidity;
            await channel.CloseAsync(cancellationToken);
            return null;
        }

        public async ValueTask DisposeAsync()
        {
            await connection.CloseAsync();
            await connection.DisposeAsync();
            _opening.Dispose();
        }
    }
}
