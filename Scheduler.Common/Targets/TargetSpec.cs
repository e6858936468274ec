using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Common.Time;

namespace Scheduler.Common.Targets;

/// <summary>Where a trigger is delivered. Stored as JSON (the <c>type</c> property selects the kind).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(WebhookTarget), "webhook")]
[JsonDerivedType(typeof(KafkaTarget), "kafka")]
[JsonDerivedType(typeof(RabbitMqTarget), "rabbitmq")]
[JsonDerivedType(typeof(NatsTarget), "nats")]
[JsonDerivedType(typeof(WorkflowTarget), "workflow")]
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

    /// <summary>
    /// A copy with every secret (sensitive header values, the signing secret) passed through <paramref name="map"/>,
    /// which gets the field name (<c>target.headers.Authorization</c>) and the value: to encrypt, decrypt or redact.
    /// </summary>
    public abstract TargetSpec MapSecrets(Func<string, string, string> map);

    /// <summary>The secrets by field name, as <see cref="MapSecrets"/> names them.</summary>
    public Dictionary<string, string> Secrets()
    {
        var secrets = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        MapSecrets((field, value) => secrets[field] = value);
        return secrets;
    }

    /// <summary>What the API shows: every secret replaced by <see cref="SensitiveHeaders.Redacted"/>.</summary>
    public TargetSpec Redacted() => MapSecrets((_, _) => SensitiveHeaders.Redacted);

    protected static IReadOnlyDictionary<string, string> MapHeaders(IReadOnlyDictionary<string, string> headers, Func<string, string, string> map) =>
        headers.ToDictionary(h => h.Key, h => SensitiveHeaders.IsSensitive(h.Key) ? map($"target.headers.{h.Key}", h.Value) : h.Value,
            StringComparer.OrdinalIgnoreCase);

    /// <summary>The target type as written in JSON.</summary>
    [JsonIgnore]
    public abstract string Type { get; }

    /// <summary>Where a broker target publishes, for the tenants' grants (<see cref="BrokerGrants"/>); null for other kinds.</summary>
    [JsonIgnore]
    public virtual BrokerAddress? Address => null;

    /// <summary>For people: where it goes, in one line (<c>POST https://…</c>, <c>Kafka topic reminders</c>).</summary>
    [JsonIgnore]
    public abstract string Summary { get; }

    /// <summary>
    /// A copy with each part that may hold templates passed through <paramref name="parts"/>: header values, texts
    /// (a message key) and the JSON body. How templates are checked and rendered without knowing the kinds.
    /// </summary>
    public virtual TargetSpec MapParts(TargetParts parts) => this;
}

/// <summary>What <see cref="TargetSpec.MapParts"/> passes each templated part of a target through.</summary>
public abstract class TargetParts
{
    /// <param name="http">Whether the values travel as HTTP headers (printable ASCII only).</param>
    public abstract IReadOnlyDictionary<string, string> Headers(IReadOnlyDictionary<string, string> headers, bool http);

    /// <param name="field">The field's name in errors, e.g. <c>target.key</c>.</param>
    public abstract string? Text(string field, string? text);

    public abstract JsonElement? Json(string field, JsonElement? json);
}
