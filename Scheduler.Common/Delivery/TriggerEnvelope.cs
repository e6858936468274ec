using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Scheduler.Common.Delivery;

/// <summary>The default trigger body: a CloudEvents 1.0 structured-mode JSON event.</summary>
public static class TriggerEnvelope
{
    public const string EventType = "io.scheduleman.trigger";

    private static readonly JsonEventFormatter Formatter = new(new JsonSerializerOptions(JsonSerializerDefaults.Web), default);

    public static ReadOnlyMemory<byte> Encode(TriggerContext trigger, out string contentType)
    {
        var body = Formatter.EncodeStructuredModeMessage(Event(trigger), out var type);
        contentType = type.ToString();
        return body;
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
            Data = new TriggerData(trigger.ExecutionId, trigger.ScheduleId, trigger.ScheduleName, trigger.ScheduledFor, trigger.Attempt,
                trigger.Callback?.Url, trigger.Callback?.Token, trigger.Step,
                trigger.Step is null ? trigger.EffectiveLogicalDate : null, trigger.Step is null ? trigger.Interval : null,
                trigger.Step is null ? trigger.Parameters : null, trigger.BackfillId),
        };

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
