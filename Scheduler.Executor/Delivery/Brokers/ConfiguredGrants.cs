using Scheduler.Common.Targets;

namespace Scheduler.Executor.Delivery.Brokers;

/// <summary>
/// This executor's grants, from its configuration (<c>Brokers:&lt;name&gt;:Tenants</c>, <c>Kafka:Tenants</c>): checked at
/// every delivery without a database read, and published with the heartbeat so that the API refuses what they refuse.
/// </summary>
public static class ConfiguredGrants
{
    public static BrokerGrants From(BrokerOptions brokers, KafkaOptions kafka)
    {
        var connections = brokers.ToDictionary(b => b.Key, b => BrokerGrants.Parse(b.Value.Tenants), StringComparer.Ordinal);
        // Without a Kafka cluster this executor knows nothing about Kafka grants; one that has it decides.
        if (!string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            connections[BrokerGrants.Kafka] = BrokerGrants.Parse(kafka.Tenants);
        }
        return new BrokerGrants(connections);
    }
}
