using System.Text.Json;

namespace Scheduler.Common.Schedules;

/// <summary>
/// A schedule as clients send it. Exactly one of <c>cron</c>, <c>runAt</c>, <c>delay</c> and <c>manual: true</c>.
/// Everything is optional here so that validation can name each missing field.
/// </summary>
public sealed record ScheduleRequest
{
    /// <summary>Unique name within the tenant, e.g. <c>nightly-report</c>.</summary>
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Free-form labels (owner, team, calendar id…).</summary>
    public Dictionary<string, string>? Labels { get; init; }

    /// <summary>5 fields (minutes) or 6 fields (with seconds), e.g. <c>0 0 17 * * MON-FRI</c>.</summary>
    public string? Cron { get; init; }

    /// <summary>IANA time zone the cron expression is read in, e.g. <c>Europe/London</c>; default UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>An ISO 8601 instant with offset, e.g. <c>2030-01-01T09:00:00+01:00</c>.</summary>
    public string? RunAt { get; init; }

    /// <summary>Time from now: ISO 8601 (<c>PT90S</c>) or short form (<c>90s</c>, <c>1h30m</c>).</summary>
    public string? Delay { get; init; }

    /// <summary><c>true</c> for a job without a timer: it fires only when triggered (instead of cron, runAt or delay).</summary>
    public bool? Manual { get; init; }

    /// <summary><c>active</c> (default) or <c>paused</c>: a paused schedule fires nothing until resumed.</summary>
    public string? State { get; init; }

    /// <summary>Cron only: the name of a business-day calendar (see <c>/api/v1/calendars</c>), read in <c>timeZone</c>.</summary>
    public string? Calendar { get; init; }

    /// <summary>With a calendar: what an occurrence on a weekend day or holiday does — <c>skip</c> (default), <c>previous</c> or <c>next</c> business day, same local time.</summary>
    public string? NonBusinessDay { get; init; }

    /// <summary>With a calendar: fire only on these business days of each month, e.g. <c>[1]</c> (first), <c>[-1]</c> (last), <c>[3, -2]</c>.</summary>
    public int[]? BusinessDaysOfMonth { get; init; }

    /// <summary>No occurrence before this ISO 8601 instant.</summary>
    public string? StartAt { get; init; }

    /// <summary>No occurrence after this ISO 8601 instant; the schedule completes there.</summary>
    public string? EndAt { get; init; }

    /// <summary>Fire each occurrence a stable pseudo-random delay within [0, jitter) after its time (<c>30s</c>, <c>PT5M</c>); shorter than the time between occurrences.</summary>
    public string? Jitter { get; init; }

    /// <summary>Occurrences missed while no executor ran: <c>latest</c> (default: one fire stands for all), <c>none</c> (recorded as skipped), <c>all</c> (each within <c>catchUpWindow</c> fires).</summary>
    public string? CatchUp { get; init; }

    /// <summary>With <c>catchUp: all</c>: how far back missed occurrences still fire (at most 7 days).</summary>
    public string? CatchUpWindow { get; init; }

    public TargetRequest? Target { get; init; }

    /// <summary>Delivery attempts before dead letter, 1–100 (default 5).</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// Declared parameters, by name: <c>{"region": {"type": "string", "default": "eu"}, "day": {"type": "date", "required": true}}</c>.
    /// Given on trigger and backfill, checked against this, defaults filled in; templates in the target use them as <c>params.name</c>.
    /// </summary>
    public Dictionary<string, Parameters.ParameterRequest?>? Parameters { get; init; }

    /// <summary>Opt in to result tracking: a run ends when its worker reports through the trigger's callback (or when it times out); failed and timed-out runs are retried as new attempts.</summary>
    public Results.CompletionRequest? Completion { get; init; }
}

/// <summary>A delivery target as clients send it.</summary>
public sealed record TargetRequest
{
    /// <summary><c>webhook</c>, <c>kafka</c>, <c>rabbitmq</c>, <c>nats</c> (JetStream) or <c>workflow</c> (each occurrence starts a run of the named workflow).</summary>
    public string? Type { get; init; }

    /// <summary>Webhook: absolute http(s) URL.</summary>
    public string? Url { get; init; }

    /// <summary>Webhook: HTTP method (default POST).</summary>
    public string? Method { get; init; }

    /// <summary>Extra request (webhook) or message (Kafka, RabbitMQ, NATS) headers; values may be Liquid templates, and may name a secret: <c>"Bearer {{ secrets.vendor_token }}"</c>.</summary>
    public Dictionary<string, string>? Headers { get; init; }

    /// <summary>Webhook, RabbitMQ, NATS: fixed JSON body; default is the CloudEvents trigger envelope. Its strings may be Liquid templates (<c>"{{ logicalDate }}"</c>).</summary>
    public JsonElement? Body { get; init; }

    /// <summary>
    /// Webhook: a Standard Webhooks secret (<c>whsec_</c> + base64 of 24–64 random bytes) to sign every delivery with.
    /// Write-only: responses show <c>***</c>, and sending <c>***</c> back on PUT keeps the stored secret.
    /// </summary>
    public string? SigningSecret { get; init; }

    /// <summary>Kafka: the topic.</summary>
    public string? Topic { get; init; }

    /// <summary>Kafka: the message key (default: the schedule id).</summary>
    public string? Key { get; init; }

    /// <summary>Kafka: fixed JSON value; default is the CloudEvents trigger envelope. Its strings may be Liquid templates.</summary>
    public JsonElement? Value { get; init; }

    /// <summary>RabbitMQ, NATS: the broker connection, by the name the executors have it configured under (<c>Brokers:orders:Uri</c>); credentials never pass through the API.</summary>
    public string? Connection { get; init; }

    /// <summary>RabbitMQ: the exchange; leave it out for the default exchange (which routes by queue name).</summary>
    public string? Exchange { get; init; }

    /// <summary>RabbitMQ: the routing key (with the default exchange, the queue's name); may be a Liquid template.</summary>
    public string? RoutingKey { get; init; }

    /// <summary>NATS: the subject (dot-separated tokens, no wildcards) a JetStream stream captures.</summary>
    public string? Subject { get; init; }

    /// <summary>Workflow: the name of the workflow (in the same tenant) each occurrence starts a run of.</summary>
    public string? Workflow { get; init; }

    /// <summary>Bound on one delivery attempt (default <c>PT3S</c>, at most 30 s).</summary>
    public string? Timeout { get; init; }
}
