using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Targets;

/// <summary>A Kafka message: topic, key (default: the schedule id), extra headers and an optional fixed value.</summary>
public sealed partial record KafkaTarget : TargetSpec
{
    public static readonly TargetKind Kind = new KafkaKind();

    public required string Topic { get; init; }

    /// <summary>The message key; when absent, the schedule id (so one schedule's triggers stay in order on one partition).</summary>
    public string? Key { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The value to send; when absent, the CloudEvents trigger envelope.</summary>
    public JsonElement? Value { get; init; }

    [JsonIgnore]
    public override string Type => "kafka";

    [JsonIgnore]
    public override BrokerAddress Address => new(null, "topic", Topic);

    [JsonIgnore]
    public override string Summary => $"Kafka topic {Topic}";

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this with { Headers = MapHeaders(Headers, map) };

    public override TargetSpec MapParts(TargetParts parts) => this with
    {
        Headers = parts.Headers(Headers, http: false),
        Key = parts.Text("target.key", Key),
        Value = parts.Json("target.value", Value),
    };

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex TopicName();

    private sealed class KafkaKind : TargetKind
    {
        public override string Name => "kafka";
        public override string Label => "Kafka message";
        public override IReadOnlyCollection<string> Fields { get; } = ["topic", "key", "headers", "value", "timeout"];

        internal override TargetSpec? Validate(TargetRequest target, TargetBasics basics, ValidationErrors errors)
        {
            if (string.IsNullOrWhiteSpace(target.Topic))
            {
                errors.Add("target.topic", "is required for kafka targets");
            }
            else if (!TopicName().IsMatch(target.Topic) || target.Topic is "." or "..")
            {
                errors.Add("target.topic", $"'{ValidationErrors.Excerpt(target.Topic)}' is not a Kafka topic name (1–249 of letters, digits, '.', '_' and '-')");
            }
            if (target.Key is { Length: 0 or > 1_024 })
            {
                errors.Add("target.key", "must be 1–1024 characters when given");
            }
            var value = TargetValidator.ValidateJson(target.Value, "target.value", errors);
            return errors.IsValid
                ? new KafkaTarget { Topic = target.Topic!, Key = target.Key, Headers = basics.Headers, Value = value, Timeout = basics.Timeout }
                : null;
        }
    }
}
