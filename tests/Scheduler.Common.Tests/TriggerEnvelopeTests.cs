using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudNative.CloudEvents.SystemTextJson;
using Scheduler.Common.Delivery;
using Scheduler.Common.Schedules;

namespace Scheduler.Common.Tests;

/// <summary>The envelope is written by hand for speed; the CloudEvents SDK's own formatter says it is the event it would write.</summary>
public sealed class TriggerEnvelopeTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 17, 0, 0, 123, TimeSpan.Zero);

    public static TheoryData<string> Triggers => ["plain", "tracked", "step", "backfill"];

    [Theory]
    [MemberData(nameof(Triggers))]
    public void The_sdk_decodes_the_envelope_and_writes_the_same_event_back(string kind)
    {
        var trigger = Trigger(kind);
        var body = TriggerEnvelope.Encode(trigger, out var contentType);

        var formatter = new JsonEventFormatter(new JsonSerializerOptions(JsonSerializerDefaults.Web), default);
        var decoded = formatter.DecodeStructuredModeMessage(body, new ContentType(contentType), null);
        Assert.Equal(TriggerEnvelope.Attributes(trigger),
            decoded.GetPopulatedAttributes().Where(a => a.Key.Name != "datacontenttype").Select(a => (a.Key.Name, a.Key.Format(a.Value)))
                .Prepend(("specversion", decoded.SpecVersion.VersionId)));
        Assert.Equal(MediaTypeNames.Application.Json, decoded.DataContentType);

        var again = formatter.EncodeStructuredModeMessage(decoded, out var againType);
        Assert.Equal(againType.ToString(), contentType);
        var ours = JsonNode.Parse(body.Span);
        Assert.True(JsonNode.DeepEquals(ours, JsonNode.Parse(again.Span)), $"ours: {ours}\nthe SDK's: {JsonNode.Parse(again.Span)}");
        Assert.Equal(trigger.ExecutionId, ours!["data"]!["executionId"]!.GetValue<Guid>());
    }

    [Fact]
    public void Events_encoded_one_after_another_on_one_thread_do_not_share_bytes()
    {
        var first = TriggerEnvelope.Encode(Trigger("plain"), out _);
        var copy = first.ToArray();
        var second = TriggerEnvelope.Encode(Trigger("step"), out _);
        Assert.Equal(copy, first.ToArray());
        Assert.NotEqual(first.ToArray(), second.ToArray());
    }

    [Theory]
    [MemberData(nameof(Triggers))]
    public void Webhooks_and_messages_carry_the_logical_date_in_a_header_a_backfills_being_the_day_it_is_for(string kind)
    {
        var trigger = Trigger(kind);
        foreach (var webhook in new[] { true, false })
        {
            var headers = TriggerHeaders.For(trigger, webhook).ToDictionary(h => h.Name, h => h.Value);
            Assert.Equal(trigger.EffectiveLogicalDate, DateTimeOffset.Parse(headers[TriggerHeaders.LogicalDate], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(kind == "backfill" ? At.AddDays(-1) : At, DateTimeOffset.Parse(headers[TriggerHeaders.LogicalDate], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(At, DateTimeOffset.Parse(headers[TriggerHeaders.ScheduledFor], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static TriggerContext Trigger(string kind) => kind switch
    {
        "plain" => new TriggerContext(Guid.CreateVersion7(), Guid.NewGuid(), "nightly \"report\" ✓", At, 1),
        "tracked" => new TriggerContext(Guid.CreateVersion7(), Guid.NewGuid(), "tracked", At, 3,
            new TriggerCallback("https://api.example.com/api/v1/executions/x/attempts/3/report", "token-123")),
        "step" => new TriggerContext(Guid.CreateVersion7(), null, "etl.load", At, 1, Step: new StepContext(Guid.NewGuid(), "etl", Guid.NewGuid(), "load", 2, At,
            JsonDocument.Parse("""{"region": "eu"}""").RootElement, new Dictionary<string, JsonElement?> { ["extract"] = JsonDocument.Parse("""{"rows": 7}""").RootElement })),
        _ => new TriggerContext(Guid.CreateVersion7(), Guid.NewGuid(), "daily", At, 1, LogicalDate: At.AddDays(-1),
            Interval: new DataInterval(At.AddDays(-2), At.AddDays(-1)), Parameters: JsonDocument.Parse("""{"full": true}""").RootElement, BackfillId: Guid.NewGuid()),
    };
}
