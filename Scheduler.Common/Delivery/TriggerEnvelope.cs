using System.Buffers;
using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudNative.CloudEvents;

namespace Scheduler.Common.Delivery;

/// <summary>The default trigger body: a CloudEvents 1.0 structured-mode JSON event.</summary>
public static class TriggerEnvelope
{
    public const string EventType = "io.scheduleman.trigger";

    /// <summary>What a structured-mode event is sent as.</summary>
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    private static readonly JsonSerializerOptions DataOptions = new(JsonSerializerDefaults.Web);

    // One buffer and writer per thread, reset for each event (Encode does not await, so no other event can share them).
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// The event in the CloudEvents JSON format, written here rather than through the SDK's <c>JsonEventFormatter</c>, which
    /// grows a fresh stream and writer buffer for every event: half of all an executor allocated per trigger under a burst.
    /// The SDK still defines the attributes (<see cref="Attributes"/>, and the tests decode what this writes with it).
    /// </summary>
    public static ReadOnlyMemory<byte> Encode(TriggerContext trigger, out string contentType)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("specversion", CloudEventsSpecVersion.V1_0.VersionId);
        writer.WriteString("id", trigger.ExecutionId);
        writer.WriteString("source", trigger.Source);
        writer.WriteString("type", EventType);
        writer.WriteString("subject", trigger.ScheduleName);
        writer.WriteString("time", CloudEventsSpecVersion.V1_0.TimeAttribute.Format(trigger.ScheduledFor));
        writer.WriteString("datacontenttype", MediaTypeNames.Application.Json);
        writer.WritePropertyName("data");
        JsonSerializer.Serialize(writer, Data(trigger), DataOptions);
        writer.WriteEndObject();
        writer.Flush();
        contentType = ContentType;
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The event's context attributes by name (<c>specversion</c>, <c>id</c>, <c>source</c>, <c>type</c>, <c>subject</c>,
    /// <c>time</c>), as protocol bindings that carry them in headers (AMQP's <c>cloudEvents:</c>) write them.
    /// </summary>
    public static IEnumerable<(string Name, string Value)> Attributes(TriggerContext trigger)
    {
        var cloudEvent = Event(trigger);
        yield return ("specversion", cloudEvent.SpecVersion.VersionId);
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            if (attribute.Name != "datacontenttype")
            {
                yield return (attribute.Name, attribute.Format(value));
            }
        }
    }

    private static CloudEvent Event(TriggerContext trigger) =>
        new()
        {
            // CloudEvents consumers treat equal (source, id) as the same event: exactly our de-duplication rule.
            Id = trigger.ExecutionId.ToString(),
            Source = new Uri(trigger.Source, UriKind.Relative),
            Type = EventType,
            Subject = trigger.ScheduleName,
            Time = trigger.ScheduledFor,
            DataContentType = MediaTypeNames.Application.Json,
            Data = Data(trigger),
        };

    private static TriggerData Data(TriggerContext trigger) =>
        new(trigger.ExecutionId, trigger.ScheduleId, trigger.ScheduleName, trigger.ScheduledFor, trigger.Attempt,
            trigger.Callback?.Url, trigger.Callback?.Token, trigger.Step,
            trigger.Step is null ? trigger.EffectiveLogicalDate : null, trigger.Step is null ? trigger.Interval : null,
            trigger.Step is null ? trigger.Parameters : null, trigger.BackfillId);

    /// <summary>
    /// The event's <c>data</c>; the callback fields only with result tracking, <c>workflow</c> only for a workflow step (which
    /// carries its run's logical date, interval and parameters), <c>dataInterval</c> when the run covers one, <c>parameters</c>
    /// when it has any, <c>backfillId</c> for a backfill's run.
    /// </summary>
    public sealed record TriggerData(Guid ExecutionId,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? ScheduleId,
        string ScheduleName, DateTimeOffset ScheduledFor, int Attempt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CallbackUrl = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReportToken = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] StepContext? Workflow = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? LogicalDate = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Schedules.DataInterval? DataInterval = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Parameters = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? BackfillId = null);
}
