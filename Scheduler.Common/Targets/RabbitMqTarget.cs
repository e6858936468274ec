using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Scheduler.Common.Schedules;
using Scheduler.Common.Templates;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Targets;

/// <summary>
/// An AMQP 0-9-1 message to RabbitMQ through a broker connection the executors have by name: exchange (absent: the
/// default exchange, which routes by queue name), routing key, headers and an optional fixed body. Persistent and
/// mandatory; delivered when the broker confirms it.
/// </summary>
public sealed partial record RabbitMqTarget : TargetSpec
{
    public static readonly TargetKind Kind = new RabbitMqKind();

    /// <summary>The executors' broker connection (<c>Brokers:&lt;name&gt;</c> with <c>Type=rabbitmq</c>).</summary>
    public required string Connection { get; init; }

    /// <summary>The exchange; null for the default exchange (the routing key is then the queue's name).</summary>
    public string? Exchange { get; init; }

    /// <summary>The routing key (may be a template, as a Kafka key may); empty when absent.</summary>
    public string? RoutingKey { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body to send; when absent, the CloudEvents trigger envelope.</summary>
    public JsonElement? Body { get; init; }

    [JsonIgnore]
    public override string Type => "rabbitmq";

    [JsonIgnore]
    public override BrokerAddress Address => new(Connection, "exchange", Exchange);

    [JsonIgnore]
    public override string Summary =>
        $"RabbitMQ {Connection}: {(Exchange is null ? "default exchange" : $"exchange {Exchange}")}" + (RoutingKey is null ? "" : $", routing key {RoutingKey}");

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this with { Headers = MapHeaders(Headers, map) };

    public override TargetSpec MapParts(TargetParts parts) => this with
    {
        Headers = parts.Headers(Headers, http: false),
        RoutingKey = parts.Text("target.routingKey", RoutingKey),
        Body = parts.Json("target.body", Body),
    };

    // RabbitMQ's own rule for exchange names (and at most 255 bytes, a short string in AMQP).
    [GeneratedRegex(@"^[A-Za-z0-9_.:-]{1,255}$")]
    private static partial Regex ExchangeName();

    private sealed class RabbitMqKind : TargetKind
    {
        public override string Name => "rabbitmq";
        public override string Label => "RabbitMQ message";
        public override IReadOnlyCollection<string> Fields { get; } = ["connection", "exchange", "routingKey", "headers", "body", "timeout"];
        public override bool UsesConnection => true;

        internal override TargetSpec? Validate(TargetRequest target, TargetBasics basics, ValidationErrors errors)
        {
            if (target.Exchange is { } exchange)
            {
                if (exchange.Length == 0)
                {
                    errors.Add("target.exchange", "must not be empty: leave it out to publish through the default exchange (routing by queue name)");
                }
                else if (!ExchangeName().IsMatch(exchange))
                {
                    errors.Add("target.exchange", $"'{ValidationErrors.Excerpt(exchange)}' is not an exchange name (1–255 of letters, digits, '-', '_', '.' and ':')");
                }
                else if (exchange.StartsWith("amq.", StringComparison.Ordinal) && exchange is not ("amq.direct" or "amq.fanout" or "amq.topic" or "amq.headers" or "amq.match"))
                {
                    errors.Add("target.exchange", $"'{ValidationErrors.Excerpt(exchange)}' is reserved by RabbitMQ ('amq.' names other than its standard exchanges)");
                }
            }
            if (target.RoutingKey is { } key)
            {
                if (key.Length == 0)
                {
                    errors.Add("target.routingKey", "must not be empty: leave it out when the exchange ignores it (fanout, headers)");
                }
                else if (!TargetTemplates.IsTemplate(key) && Encoding.UTF8.GetByteCount(key) > 255)
                {
                    errors.Add("target.routingKey", "is longer than 255 bytes (an AMQP short string)");
                }
                else if (key.Any(char.IsControl))
                {
                    errors.Add("target.routingKey", "must not contain control characters");
                }
            }
            else if (target.Exchange is null)
            {
                errors.Add("target.routingKey", "is required with the default exchange: give the queue's name (or name an exchange)");
            }
            var body = TargetValidator.ValidateJson(target.Body, "target.body", errors);
            return errors.IsValid
                ? new RabbitMqTarget
                {
                    Connection = target.Connection!, Exchange = target.Exchange, RoutingKey = target.RoutingKey, Headers = basics.Headers, Body = body,
                    Timeout = basics.Timeout,
                }
                : null;
        }
    }
}
