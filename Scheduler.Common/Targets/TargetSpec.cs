using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Common.Time;

namespace Scheduler.Common.Targets;

/// <summary>Where a trigger is delivered. Stored as JSON (the <c>type</c> property selects the kind).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(WebhookTarget), "webhook")]
[JsonDerivedType(typeof(KafkaTarget), "kafka")]
public abstract record TargetSpec
{
    /// <summary>The default bound on one delivery attempt.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The largest timeout a schedule may ask for.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The bound on one delivery attempt (default 3 s, at most 30 s).</summary>
    [JsonConverter(typeof(DurationJsonConverter))]
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Reads a target as stored (the product's JSON dialect, <c>type</c> selecting the kind).</summary>
    public static TargetSpec FromJson(string json) =>
        JsonSerializer.Deserialize<TargetSpec>(json, SchedulerJson.Options) ?? throw new JsonException("a target cannot be null");

    /// <summary>The target type as written in JSON.</summary>
    [JsonIgnore]
    public abstract string Type { get; }
}
