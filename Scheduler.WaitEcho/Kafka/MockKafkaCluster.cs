using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace Scheduler.WaitEcho.Kafka;

/// <summary>
/// librdkafka's built-in mock cluster: a real Kafka protocol peer inside this process, alive as long as this
/// object. Other clients, in any process, connect to <see cref="BootstrapServers"/>.
/// </summary>
public sealed partial class MockKafkaCluster : IDisposable
{
    private readonly IProducer<Null, Null> _holder;

    [GeneratedRegex(@"bootstrap\.servers=(?<servers>\S+)")]
    private static partial Regex Bootstrap();

    private MockKafkaCluster(IProducer<Null, Null> holder, string bootstrapServers)
    {
        _holder = holder;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public static MockKafkaCluster Start()
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = new ProducerConfig { BootstrapServers = "mock", Debug = "mock" };
        config.Set("test.mock.num.brokers", "1");
        var holder = new ProducerBuilder<Null, Null>(config)
            .SetLogHandler((_, message) =>
            {
                if (Bootstrap().Match(message.Message) is { Success: true } match)
                {
                    found.TrySetResult(match.Groups["servers"].Value);
                }
            })
            .Build();
        if (!found.Task.Wait(TimeSpan.FromSeconds(10)))
        {
            holder.Dispose();
            throw new InvalidOperationException("librdkafka did not report the mock cluster's bootstrap.servers");
        }
        return new MockKafkaCluster(holder, found.Task.Result);
    }

    public void Dispose() => _holder.Dispose();
}
