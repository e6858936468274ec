using System.Text.Json;
using Scheduler.Common.Delivery;

namespace Scheduler.Executor.Delivery;

/// <summary>What every message target (Kafka, RabbitMQ, NATS) sends: the same body and the same headers, in its own framing.</summary>
internal static class MessageContent
{
    /// <summary>The configured JSON body (rendered), or the CloudEvents trigger envelope.</summary>
    public static ReadOnlyMemory<byte> Body(TriggerContext trigger, JsonElement? configured, out string contentType)
    {
        if (configured is { } body)
        {
            contentType = "application/json";
            return JsonSerializer.SerializeToUtf8Bytes(body);
        }
        return TriggerEnvelope.Encode(trigger, out contentType);
    }

    /// <summary>The target's own headers, then <c>traceparent</c> (so the consumer's work joins the delivery's trace), then the scheduler's.</summary>
    public static IEnumerable<(string Name, string Value)> Headers(TriggerContext trigger, IReadOnlyDictionary<string, string> configured)
    {
        foreach (var (name, value) in configured)
        {
            yield return (name, value);
        }
        if (System.Diagnostics.Activity.Current is { Id: { } span })
        {
            yield return ("traceparent", span);
        }
        foreach (var header in TriggerHeaders.For(trigger, webhook: false))
        {
            yield return header;
        }
    }
}
