using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;
using Scheduler.Common.Targets;
using Scheduler.Executor.Delivery.Brokers;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Delivery;

/// <summary>
/// Publishes triggers to NATS JetStream: one long-lived connection per named broker connection (the client reconnects
/// by itself). Success is the stream's publish acknowledgement. <c>Nats-Msg-Id</c> is the execution id, so a repeated
/// attempt of an execution the stream already stored is acknowledged as a duplicate and not stored twice (within the
/// stream's duplicate window, two minutes by default).
/// </summary>
public sealed class NatsDeliverer : ITriggerDeliverer, IAsyncDisposable
{
    private readonly Dictionary<string, BrokerLink<NatsConnection>> _links;
    private readonly TimeProvider _time;
    private readonly ILogger<NatsDeliverer> _logger;

    public NatsDeliverer(IOptions<BrokerOptions> brokers, TimeProvider time, ILogger<NatsDeliverer> logger)
    {
        _time = time;
        _logger = logger;
        _links = brokers.Value.Where(b => b.Value.Type == "nats").ToDictionary(b => b.Key,
            b => new BrokerLink<NatsConnection>(b.Key, token => ConnectAsync(b.Key, b.Value, token), time, logger), StringComparer.Ordinal);
    }

    public string TargetType => "nats";

    public async Task<DeliveryResult> DeliverAsync(ClaimedExecution execution, TargetSpec target, CancellationToken cancellationToken)
    {
        var nats = (NatsTarget)target;
        if (!_links.TryGetValue(nats.Connection, out var link))
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"this executor has no NATS connection named '{nats.Connection}' " +
                $"(configure Brokers:{nats.Connection}:Type=nats and its Uri on the executors)", Retryable: true);
        }
        using var timeout = new CancellationTokenSource(nats.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var connection = await link.GetAsync(linked.Token);
            var trigger = execution.Trigger;
            var body = MessageContent.Body(trigger, nats.Body, out var contentType);
            var headers = new NatsHeaders { ["content-type"] = contentType };
            foreach (var (name, value) in MessageContent.Headers(trigger, nats.Headers))
            {
                headers[name] = value;
            }
            var ack = await connection.CreateJetStreamContext().PublishAsync(nats.Subject, body.ToArray(),
                opts: new NatsJSPubOpts { MsgId = trigger.ExecutionId.ToString(), RetryAttempts = 1 }, headers: headers, cancellationToken: linked.Token);
            if (ack.Duplicate)
            {
                // The stream has this execution from an earlier attempt (whose acknowledgement was lost): delivered. (EnsureSuccess
                // would throw for it, and the execution would be retried until it was dead.)
                _logger.LogDebug("JetStream stream {Stream} already had execution {ExecutionId}: acknowledged as a duplicate", ack.Stream, trigger.ExecutionId);
                return DeliveryResult.Success(null);
            }
            ack.EnsureSuccess();
            return DeliveryResult.Success(null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(AttemptResult.TimedOut, null, $"no acknowledgement from JetStream on '{nats.Connection}' within {nats.Timeout.TotalSeconds:0.###} s", Retryable: true);
        }
        catch (NatsJSPublishNoResponseException)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"no JetStream stream on '{nats.Connection}' captures subject '{nats.Subject}' (no responders)", Retryable: true);
        }
        catch (NatsJSApiException e)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"JetStream on '{nats.Connection}' refused the message: {e.Error.Code} {e.Error.Description}", Retryable: true);
        }
        catch (Exception e) when (e is NatsException or BrokerUnavailableException)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"NATS '{nats.Connection}': {e.Message}", Retryable: true);
        }
    }

    private static async Task<NatsConnection> ConnectAsync(string name, BrokerConnectionOptions options, CancellationToken cancellationToken)
    {
        var (uri, user, password) = options.Resolve();
        var connection = new NatsConnection(new NatsOpts
        {
            Url = uri,
            Name = $"scheduleman-executor ({name})",
            AuthOpts = user is null ? NatsAuthOpts.Default : new NatsAuthOpts { Username = user, Password = password },
            // Once connected the client reconnects by itself, forever, with jittered backoff; publishes wait for it (bounded by the attempt's timeout).
            ReconnectWaitMin = TimeSpan.FromMilliseconds(500),
            ReconnectWaitMax = TimeSpan.FromSeconds(5),
            MaxReconnectRetry = -1,
        });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links.Values)
        {
            await link.DisposeAsync();
        }
    }
}
