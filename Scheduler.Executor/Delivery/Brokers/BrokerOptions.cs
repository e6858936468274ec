using Microsoft.Extensions.Options;
using Scheduler.Common.Targets;

namespace Scheduler.Executor.Delivery.Brokers;

/// <summary>
/// The broker connections this executor has, by name (section <c>Brokers</c>): <c>Brokers:orders:Type=rabbitmq</c>,
/// <c>Brokers:orders:Uri=amqps://broker:5671/prod</c>. A schedule names one (<c>"connection": "orders"</c>); URIs and
/// credentials stay here and never pass through the API.
/// </summary>
public sealed class BrokerOptions : Dictionary<string, BrokerConnectionOptions>
{
    public const string Section = "Brokers";

    public static readonly string[] Types = ["rabbitmq", "nats"];

    public BrokerOptions() : base(StringComparer.Ordinal)
    {
    }

    /// <summary>An executor with a misconfigured connection refuses to start, saying which and why.</summary>
    internal sealed class Validation : IValidateOptions<BrokerOptions>
    {
        public ValidateOptionsResult Validate(string? name, BrokerOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }

    /// <summary>Each connection's problem, for the executor to refuse to start with.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (name, connection) in this)
        {
            if (!Types.Contains(connection.Type))
            {
                yield return $"Brokers:{name}:Type must be one of {string.Join(", ", Types)}, not '{connection.Type}'";
            }
            if (string.IsNullOrWhiteSpace(connection.Uri) == string.IsNullOrWhiteSpace(connection.UriFile))
            {
                yield return $"Brokers:{name} needs exactly one of Uri and UriFile";
            }
            if (connection.Password is not null && connection.PasswordFile is not null)
            {
                yield return $"Brokers:{name} has both Password and PasswordFile";
            }
            if (name == BrokerGrants.Kafka)
            {
                yield return $"Brokers:{name}: '{BrokerGrants.Kafka}' names the Kafka cluster in grants; call the connection something else";
            }
            foreach (var problem in BrokerGrants.Problems($"Brokers:{name}", connection.Tenants))
            {
                yield return problem;
            }
        }
    }
}

/// <summary>One broker connection. TLS is the URI's scheme (<c>amqps://</c>, <c>tls://</c>) against the system's trust store.</summary>
public sealed class BrokerConnectionOptions
{
    /// <summary><c>rabbitmq</c> or <c>nats</c>.</summary>
    public string? Type { get; set; }

    /// <summary><c>amqp(s)://user:password@host:port/vhost</c> or <c>nats://host:4222</c> (several NATS servers comma-separated).</summary>
    public string? Uri { get; set; }

    /// <summary>A file holding the URI (a mounted secret), instead of <see cref="Uri"/>.</summary>
    public string? UriFile { get; set; }

    /// <summary>User name, when not in the URI.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>A file holding the password (a mounted secret).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// The tenants that may use this connection, each with the comma-separated prefixes of the exchanges (RabbitMQ) or
    /// subjects (NATS) it may publish to, <c>*</c> for any: <c>Brokers:orders:Tenants:acme=billing.,acme.</c>. Default
    /// (none): tenant <c>default</c> only, for any name (<see cref="BrokerGrants"/>).
    /// </summary>
    public Dictionary<string, string> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The URI (for NATS, possibly a comma-separated list of servers) and the credentials, with the secret files read: on
    /// every connect, so a rotated file is picked up at the next reconnect.
    /// </summary>
    public (string Uri, string? UserName, string? Password) Resolve()
    {
        var uri = (UriFile is { } file ? File.ReadAllText(file) : Uri ?? "").Trim();
        var password = PasswordFile is { } passwordFile ? File.ReadAllText(passwordFile).TrimEnd('\r', '\n') : Password;
        return (uri, UserName, password);
    }
}
