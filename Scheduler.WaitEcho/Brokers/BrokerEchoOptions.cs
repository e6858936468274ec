namespace Scheduler.WaitEcho.Brokers;

/// <summary>WaitEcho consuming from RabbitMQ (section <c>WaitEcho:RabbitMq</c>); off unless a URI is given.</summary>
public sealed class RabbitMqEchoOptions
{
    public const string Section = "WaitEcho:RabbitMq";

    /// <summary><c>amqp://guest:guest@localhost:5672</c>.</summary>
    public string? Uri { get; set; }

    /// <summary>A durable topic exchange WaitEcho declares (default <c>triggers</c>); its queue takes every routing key.</summary>
    public string Exchange { get; set; } = "triggers";

    /// <summary>The durable queue WaitEcho declares, binds and consumes (default <c>waitecho</c>).</summary>
    public string Queue { get; set; } = "waitecho";
}

/// <summary>WaitEcho consuming from NATS JetStream (section <c>WaitEcho:Nats</c>); off unless a URL is given.</summary>
public sealed class NatsEchoOptions
{
    public const string Section = "WaitEcho:Nats";

    /// <summary><c>nats://localhost:4222</c>.</summary>
    public string? Url { get; set; }

    /// <summary>The stream WaitEcho creates if missing (default <c>TRIGGERS</c>), capturing <see cref="Subjects"/>.</summary>
    public string Stream { get; set; } = "TRIGGERS";

    /// <summary>Default <c>triggers.&gt;</c>.</summary>
    public string Subjects { get; set; } = "triggers.>";

    /// <summary>The durable consumer WaitEcho reads with (default <c>waitecho</c>).</summary>
    public string Consumer { get; set; } = "waitecho";
}
