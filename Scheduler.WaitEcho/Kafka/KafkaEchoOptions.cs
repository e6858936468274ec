namespace Scheduler.WaitEcho.Kafka;

/// <summary>WaitEcho's Kafka consumer mode (section <c>WaitEcho:Kafka</c>); off unless a broker is named or mocked.</summary>
public sealed class KafkaEchoOptions
{
    public const string Section = "WaitEcho:Kafka";

    /// <summary>Brokers to consume from.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Host a librdkafka mock cluster in this process (no broker needed) and consume from it; its address is
    /// logged and served at <c>GET /kafka</c>. For demos and tests.</summary>
    public bool Mock { get; set; }

    /// <summary>Topics to consume, comma-separated (default <c>triggers</c>); created if missing.</summary>
    public string Topics { get; set; } = "triggers";

    /// <summary>Partitions for topics WaitEcho creates (default 4).</summary>
    public int Partitions { get; set; } = 4;

    /// <summary>Consumer group (default <c>waitecho</c>).</summary>
    public string GroupId { get; set; } = "waitecho";
}
