using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduler.Common.Targets;

/// <summary>A Kafka message: topic, key (default: the schedule id), extra headers and an optional fixed value.</summary>
public sealed record KafkaTarget : TargetSpec
{
    public required string Topic { get; init; }

    /// <summary>The message key; when absent, the schedule id (so one schedule's triggers stay in order on one partition).</summary>
    public string? Key { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The value to send; when absent, the CloudEvents trigger envelope.</summary>
    public JsonElement? Value { get; init; }

    [JsonIgnore]
    public override string Type => "kafka";

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this with { Headers = MapHeaders(Headers, map) };
}
