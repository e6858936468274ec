using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Scheduler.Common.Delivery;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Delivery;

/// <summary>
/// Calls a webhook: the configured method, URL, headers and body (default: the CloudEvents envelope),
/// plus <c>webhook-id</c> (the execution id) and <c>webhook-timestamp</c>. 2xx succeeds; timeouts, network
/// errors, 5xx, 408 and 429 are retried (honouring <c>Retry-After</c>); other statuses are final.
/// Every address is checked against the <see cref="EgressPolicy"/> as the connection is made, and redirects
/// are never followed (a 3xx is a final failure naming where it pointed).
/// </summary>
public sealed class WebhookDeliverer : ITriggerDeliverer, IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public WebhookDeliverer(TimeProvider time, EgressPolicy egress)
    {
        _time = time;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Re-resolve DNS now and then; keep connections to busy targets warm.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AllowAutoRedirect = false,
            UseCookies = false,
            // A proxy would connect on our behalf, past the address check.
            UseProxy = false,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(egress, context.DnsEndPoint, cancellationToken),
        })
        {
            // Each attempt is bounded by its target's timeout instead.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string TargetType => "webhook";

    public async Task<DeliveryResult> DeliverAsync(ClaimedExecution execution, TargetSpec target, CancellationToken cancellationToken)
    {
        var webhook = (WebhookTarget)target;
        using var timeout = new CancellationTokenSource(webhook.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = BuildRequest(execution, webhook);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return DeliveryResult.Success(status);
            }
            var retryable = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            var detail = status is >= 300 and < 400
                ? $": redirect to {response.Headers.Location?.ToString() ?? "nowhere"} not followed; point the schedule at the final URL"
                : await ReadSnippetAsync(response, linked.Token);
            return new DeliveryResult(AttemptResult.Failed, status, $"HTTP {status} {response.ReasonPhrase}{detail}", retryable, RetryAfter(response));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(AttemptResult.TimedOut, null, $"no response within {webhook.Timeout.TotalSeconds:0.###} s", Retryable: true);
        }
        catch (HttpRequestException e) when (e.InnerException is EgressRefusedException refused)
        {
            return new DeliveryResult(AttemptResult.Failed, null, $"refused by the egress policy: {refused.Message}", Retryable: false);
        }
        catch (HttpRequestException e)
        {
            return new DeliveryResult(AttemptResult.Failed, null, e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message, Retryable: true);
        }
    }

    private HttpRequestMessage BuildRequest(ClaimedExecution execution, WebhookTarget webhook)
    {
        var request = new HttpRequestMessage(new HttpMethod(webhook.Method), webhook.Url);
        var trigger = execution.Trigger;
        var body = ReadOnlyMemory<byte>.Empty;
        if (webhook.Method != "GET")
        {
            string contentType;
            if (webhook.Body is { } fixedBody)
            {
                body = JsonSerializer.SerializeToUtf8Bytes(fixedBody);
                contentType = "application/json";
            }
            else
            {
                body = TriggerEnvelope.Encode(trigger, out contentType);
            }
            request.Content = new ReadOnlyMemoryContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in webhook.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var id = trigger.ExecutionId.ToString();
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.TryAddWithoutValidation(TriggerHeaders.WebhookId, id);
        request.Headers.TryAddWithoutValidation(TriggerHeaders.WebhookTimestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        if (webhook.SigningSecret is { } secret)
        {
            request.Headers.TryAddWithoutValidation(TriggerHeaders.WebhookSignature, WebhookSignature.Sign(secret, id, timestamp, body.Span));
        }
        foreach (var (name, text) in TriggerHeaders.For(trigger, webhook: true))
        {
            request.Headers.TryAddWithoutValidation(name, text);
        }
        return request;
    }

    /// <summary>Resolves the host, refuses it if any address is off limits, then connects to the checked addresses only.</summary>
    private static async ValueTask<Stream> ConnectAsync(EgressPolicy egress, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var literal = EgressPolicy.LiteralAddress(endPoint.Host);
        var addresses = literal is not null ? [literal] : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken);
        if (!egress.AllowsHost(endPoint.Host))
        {
            // One bad address refuses the name: a rebinding name often mixes a public and an internal answer.
            foreach (var address in addresses)
            {
                if (egress.Refusal(address) is { } reason)
                {
                    throw new EgressRefusedException(literal is null ? $"{endPoint.Host} resolves to {reason}" : reason);
                }
            }
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : null,
        _ => null,
    };

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // A little of the body explains most failures; never read more than that.
        var buffer = new byte[256];
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
            return text.Length == 0 ? "" : $": {text}";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "";
        }
    }

    public void Dispose() => _http.Dispose();
}
