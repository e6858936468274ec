using System.Globalization;
using Scheduler.Common.Delivery;

namespace Scheduler.WaitEcho.Echo;

/// <summary>One request WaitEcho received, with what it answered.</summary>
public sealed record ReceivedTrigger
{
    public long Sequence { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    /// <summary><c>http</c> (or <c>kafka</c> once the consumer mode exists).</summary>
    public string Transport { get; init; } = "http";
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    public string Query { get; init; } = "";
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public string Body { get; init; } = "";
    /// <summary>The <c>webhook-id</c> header: the execution id.</summary>
    public string? ExecutionId { get; init; }
    public string? ScheduleId { get; init; }
    public DateTimeOffset? ScheduledFor { get; init; }
    public int? Attempt { get; init; }
    /// <summary>Arrival minus scheduled time; negative would mean the trigger came early.</summary>
    public double? LatenessMs { get; init; }
    /// <summary>Kafka: the message key, partition and offset.</summary>
    public string? Key { get; init; }
    public int? Partition { get; init; }
    public long? Offset { get; init; }
    /// <summary>
    /// The Standard Webhooks signature check when WaitEcho has a secret (<c>WaitEcho:SigningSecret</c>):
    /// <c>valid</c>, <c>invalid</c>, <c>missing</c> or <c>stale</c>; null when it has none.
    /// </summary>
    public string? Signature { get; init; }

    /// <summary>The status WaitEcho answered with (HTTP; 0 for Kafka).</summary>
    public int ResponseStatus { get; init; }

    /// <summary>What a trigger says about itself in its headers, whichever way it came (HTTP or Kafka).</summary>
    public static ReceivedTrigger FromHeaders(string transport, DateTimeOffset receivedAt, IReadOnlyDictionary<string, string> headers, string body)
    {
        DateTimeOffset? scheduledFor = DateTimeOffset.TryParse(headers.GetValueOrDefault(TriggerHeaders.ScheduledFor),
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        return new ReceivedTrigger
        {
            ReceivedAt = receivedAt,
            Transport = transport,
            Headers = headers,
            Body = body,
            // Webhooks carry the execution id as webhook-id, Kafka messages as scheduleman-execution-id.
            ExecutionId = headers.GetValueOrDefault(TriggerHeaders.WebhookId) ?? headers.GetValueOrDefault(TriggerHeaders.ExecutionId),
            ScheduleId = headers.GetValueOrDefault(TriggerHeaders.ScheduleId),
            ScheduledFor = scheduledFor,
            Attempt = int.TryParse(headers.GetValueOrDefault(TriggerHeaders.Attempt), CultureInfo.InvariantCulture, out var attempt) ? attempt : null,
            LatenessMs = scheduledFor is { } due ? (receivedAt - due).TotalMilliseconds : null,
        };
    }
}
