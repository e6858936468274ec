using System.Diagnostics;
using RabbitMQ.Client;

namespace Scheduler.Testing;

/// <summary>
/// A real RabbitMQ node (Debian's <c>rabbitmq-server</c>) of its own: its own node name, ports, Erlang cookie and
/// database, so tests run side by side and a killed node restarts on its data (durable queues, persistent messages).
/// </summary>
public sealed class RabbitMqServer : BrokerProcess
{
    public const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private readonly int _distributionPort = Ports.Free();
    private readonly string _node = $"scheduleman-{Guid.NewGuid().ToString("N")[..8]}@localhost";

    private RabbitMqServer() : base("rabbitmq")
    {
        File.WriteAllText(Path.Combine(Directory, "enabled_plugins"), "[].");
        File.WriteAllText(Path.Combine(Directory, "rabbitmq.conf"), "log.console = true\nlog.file = false\n");
    }

    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}";

    public static async Task<RabbitMqServer> StartAsync()
    {
        Require(File.Exists(Server), $"{Server} is missing: ./test.sh installs Debian's rabbitmq-server");
        var server = new RabbitMqServer();
        await server.LaunchAsync(TimeSpan.FromSeconds(90));
        return server;
    }

    protected override ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo(Server);
        foreach (var (name, value) in Environment())
        {
            info.Environment[name] = value;
        }
        return info;
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOME"] = Directory, // the Erlang cookie
        ["RABBITMQ_NODENAME"] = _node,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(Directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(Directory, "log"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(Directory, "enabled_plugins"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(Directory, "rabbitmq"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(Directory, "pid"),
    };

    protected override async Task<bool> ReadyAsync()
    {
        try
        {
            await using var connection = await ConnectAsync();
            return true;
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
        {
            return false;
        }
    }

    /// <summary>A client connection of the test's own (to declare, bind and read).</summary>
    public Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new System.Uri(Uri) }.CreateConnectionAsync();

    /// <summary>A durable queue bound to <paramref name="exchange"/> (a durable direct exchange, declared too) for <paramref name="routingKey"/>.</summary>
    public async Task DeclareAsync(string queue, string? exchange = null, string? routingKey = null, string exchangeType = "direct")
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        if (exchange is not null)
        {
            await channel.ExchangeDeclareAsync(exchange, exchangeType, durable: true);
            await channel.QueueBindAsync(queue, exchange, routingKey ?? "");
        }
    }

    /// <summary>
    /// Reads every message in <paramref name="queue"/> with Debian's <c>amqp-consume</c> (an independent AMQP client, not
    /// the one the executor uses), acknowledging them: each message's body.
    /// </summary>
    public async Task<List<string>> ConsumeWithAmqpToolsAsync(string queue, int count)
    {
        var separator = "--scheduleman-message-end--";
        var (exitCode, output, error) = await RunToolAsync("amqp-consume",
            ["-u", Uri, "-q", queue, "-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-p", "1", "--", "sh", "-c", $"cat; echo; echo {separator}"],
            timeout: TimeSpan.FromSeconds(60));
        Require(exitCode == 0, $"amqp-consume failed ({exitCode}): {error}");
        return output.Split(separator, StringSplitOptions.RemoveEmptyEntries).Select(m => m.Trim()).Where(m => m.Length > 0).ToList();
    }

    /// <summary>How many messages <paramref name="queue"/> holds now.</summary>
    public async Task<uint> CountAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await channel.MessageCountAsync(queue);
    }
}
