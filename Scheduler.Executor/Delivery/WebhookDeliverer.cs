using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Scheduler.Common.Delivery;
using Scheduler.Common.Targets;
using Scheduler.Storage.Executions;

namespace Scheduler.Executor.Delivery;

/// <summary>
/// Calls a webhook: the configured method, URL, headers and body (default: the CloudEvents envelope),
/// plus <c>webhook-id</c> (the execution id) and <c>webhook-timestamp</c>. 2xx succeeds; timeouts, network
/// errors, 5xx, 408 and 429 are retried (honouring <c>Retry-After</c>); other statuses are final.
/// </summary>
public sealed class WebhookDeliverer : ITriggerDeliverer, IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public WebhookDeliverer(TimeProvider time)
    {
        _time = time;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Re-resolve DNS now and then; keep connections to busy targets warm.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AllowAutoRedirect = false,
            UseCookies = false,
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
            var detail = await ReadSnippetAsync(response, linked.Token);
            return new DeliveryResult(AttemptResult.Failed, status, $"HTTP {status} {response.ReasonPhrase}{detail}", retryable, RetryAfter(response));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(AttemptResult.TimedOut, null, $"no response within {webhook.Timeout.TotalSeconds:0.###} s", Retryable: true);
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
        if (webhook.Method != "GET")
        {
            if (webhook.Body is { } body)
            {
                request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
            else
            {
                var envelope = TriggerEnvelope.Encode(trigger, out var contentType);
                request.Content = new ReadOnlyMemoryContent(envelope);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }
        foreach (var (name, value) in webhook.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.TryAddWithoutValidation(TriggerHeaders.WebhookId, trigger.ExecutionId.ToString());
        request.Headers.TryAddWithoutValidation(TriggerHeaders.WebhookTimestamp,
            _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(TriggerHeaders.ScheduleId, trigger.ScheduleId.ToString());
        request.Headers.TryAddWithoutValidation(TriggerHeaders.ScheduledFor,
            trigger.ScheduledFor.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(TriggerHeaders.Attempt, trigger.Attempt.ToString(CultureInfo.InvariantCulture));
        return request;
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
