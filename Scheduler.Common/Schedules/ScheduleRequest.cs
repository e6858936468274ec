using System.Text.Json;

namespace Scheduler.Common.Schedules;

/// <summary>
/// A schedule as clients send it. Exactly one of <c>cron</c>, <c>runAt</c> and
/// <c>delay</c>. Everything is optional here so that validation can name each missing field.
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

    public TargetRequest? Target { get; init; }

    /// <summary>Delivery attempts before dead letter, 1–100 (default 5).</summary>
    public int? MaxAttempts { get; init; }
}

/// <summary>A delivery target as clients send it.</summary>
public sealed record TargetRequest
{
    /// <summary><c>webhook</c> or <c>kafka</c>.</summary>
    public string? Type { get; init; }

    /// <summary>Webhook: absolute http(s) URL.</summary>
    public string? Url { get; init; }

    /// <summary>Webhook: HTTP method (default POST).</summary>
    public string? Method { get; init; }

    /// <summary>Extra request (webhook) or message (Kafka) headers.</summary>
    public Dictionary<string, string>? Headers { get; init; }

    /// <summary>Webhook: fixed JSON body; default is the CloudEvents trigger envelope.</summary>
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

    /// <summary>Kafka: fixed JSON value; default is the CloudEvents trigger envelope.</summary>
    public JsonElement? Value { get; init; }

    /// <summary>Bound on one delivery attempt (default <c>PT3S</c>, at most 30 s).</summary>
    public string? Timeout { get; init; }
}
