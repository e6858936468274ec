using Confluent.Kafka;

namespace Scheduler.Testing;

/// <summary>A plain Kafka consumer, separate from the product's clients, that reads what was published.</summary>
public static class KafkaProbe
{
    /// <summary>Reads <paramref name="topic"/> from the beginning until <paramref name="enough"/> says so or time runs out.</summary>
    public static List<ConsumeResult<string, byte[]>> Read(string bootstrapServers, string topic, Func<IReadOnlyList<ConsumeResult<string, byte[]>>, bool> enough,
        TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"probe-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var messages = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow + timeout;
        while (!enough(messages) && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                messages.Add(result);
            }
        }
        consumer.Close();
        return messages;
    }

    public static string Header(this ConsumeResult<string, byte[]> result, string name) =>
        System.Text.Encoding.UTF8.GetString(result.Message.Headers.GetLastBytes(name));
}
