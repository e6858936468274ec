namespace Scheduler.Executor.Delivery;

/// <summary>The executor's Kafka producer (section <c>Kafka</c>).</summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    /// <summary>Brokers, e.g. <c>kafka-1:9092,kafka-2:9092</c>. Unset (the default): this executor cannot deliver
    /// Kafka triggers, and such executions fail with a clear error (and are retried, perhaps by another executor).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>librdkafka producer settings passed through as they are, e.g. <c>Kafka:Producer:security.protocol=SASL_SSL</c>,
    /// <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c>, <c>ssl.ca.location</c>. <c>acks</c> and
    /// idempotence are always <c>all</c> and on.</summary>
    public Dictionary<string, string> Producer { get; set; } = [];

    /// <summary>
    /// The tenants that may publish to Kafka, each with the comma-separated prefixes of its topics, <c>*</c> for any:
    /// <c>Kafka:Tenants:acme=acme.,shared.</c>. Default (none): tenant <c>default</c> only, any topic.
    /// </summary>
    public Dictionary<string, string> Tenants { get; set; } = new(StringComparer.Ordinal);
}
