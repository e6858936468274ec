using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scheduler.Common.Targets;
using Scheduler.Common.Time;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Schedules;

/// <summary>Turns a <see cref="ScheduleRequest"/> into a <see cref="ScheduleDefinition"/>, or says what is wrong with each field.</summary>
public static partial class ScheduleValidator
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2_000;
    public const int MaxLabels = 64;
    public const int MaxHeaders = 50;
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>One-shots further ahead than this are almost certainly a typo in the year.</summary>
    public static readonly TimeSpan MaxHorizon = TimeSpan.FromDays(366 * 10);

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    // Set by the executor on every delivery; a schedule may not override them.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "webhook-signature", "host", "content-length", "content-type",
        "transfer-encoding", "connection", "traceparent", "tracestate",
    };

    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex HeaderToken();

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex EndsWithOffset();

    public static ValidationErrors Validate(ScheduleRequest request, DateTimeOffset now, out ScheduleDefinition? definition)
    {
        var errors = new ValidationErrors();
        definition = null;

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "is required");
        }
        else if (name.Length > MaxNameLength)
        {
            errors.Add("name", $"is {name.Length} characters long; the limit is {MaxNameLength}");
        }
        else if (name.Any(char.IsControl))
        {
            errors.Add("name", "must not contain control characters");
        }

        if (request.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add("description", $"is {request.Description.Length} characters long; the limit is {MaxDescriptionLength}");
        }
        ValidateLabels(request.Labels, errors);

        var timing = ValidateTiming(request, now, errors);
        var target = ValidateTarget(request.Target, errors);

        var maxAttempts = request.MaxAttempts ?? ScheduleDefinition.DefaultMaxAttempts;
        if (maxAttempts is < 1 or > 100)
        {
            errors.Add("maxAttempts", $"must be between 1 and 100, got {maxAttempts}");
        }

        if (errors.IsValid)
        {
            definition = new ScheduleDefinition
            {
                Name = name!,
                Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description,
                Labels = request.Labels ?? [],
                Timing = timing!,
                Target = target!,
                MaxAttempts = maxAttempts,
            };
        }
        return errors;
    }

    private static void ValidateLabels(Dictionary<string, string>? labels, ValidationErrors errors)
    {
        if (labels is null)
        {
            return;
        }
        if (labels.Count > MaxLabels)
        {
            errors.Add("labels", $"has {labels.Count} entries; the limit is {MaxLabels}");
            return;
        }
        foreach (var (key, value) in labels)
        {
            if (key.Length is 0 or > 63 || key.Any(char.IsControl))
            {
                errors.Add($"labels.{key}", "label keys must be 1–63 characters without control characters");
            }
            if (value is null || value.Length > 256 || value.Any(char.IsControl))
            {
                errors.Add($"labels.{key}", "label values must be present, at most 256 characters, without control characters");
            }
        }
    }

    /// <summary>Validates just the timing fields (cron, timeZone, runAt, delay); used by preview too.</summary>
    public static ScheduleTiming? ValidateTiming(ScheduleRequest request, DateTimeOffset now, ValidationErrors errors)
    {
        var given = new[] { ("cron", request.Cron), ("runAt", request.RunAt), ("delay", request.Delay) }
            .Where(f => f.Item2 is not null).Select(f => f.Item1).ToList();
        if (given.Count != 1)
        {
            errors.Add("cron", given.Count == 0
                ? "one of 'cron', 'runAt' or 'delay' is required"
                : $"exactly one of 'cron', 'runAt' or 'delay' may be given, got {string.Join(", ", given.Select(g => $"'{g}'"))}");
            return null;
        }
        if (request.TimeZone is not null && request.Cron is null)
        {
            errors.Add("timeZone", "applies only to 'cron' schedules");
            return null;
        }

        if (request.Cron is not null)
        {
            if (!CronSchedule.TryParse(request.Cron, request.TimeZone, out var cron, out var field, out var error))
            {
                errors.Add(field, error);
                return null;
            }
            if (cron.NextAfter(now) is null)
            {
                errors.Add("cron", $"'{cron.Expression}' never fires after {Instant(now)}");
                return null;
            }
            return ScheduleTiming.ForCron(cron);
        }

        if (request.RunAt is not null)
        {
            var text = request.RunAt.Trim();
            if (!EndsWithOffset().IsMatch(text) ||
                !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            {
                errors.Add("runAt", $"'{Truncate(text)}' is not an ISO 8601 instant with an offset, e.g. '2030-01-01T09:00:00Z' or '2030-01-01T10:00:00+01:00'");
                return null;
            }
            if (at < now)
            {
                errors.Add("runAt", $"{Instant(at)} is in the past (now is {Instant(now)})");
                return null;
            }
            if (at > now + MaxHorizon)
            {
                errors.Add("runAt", $"{Instant(at)} is more than 10 years ahead");
                return null;
            }
            return ScheduleTiming.ForRunAt(at);
        }

        if (!Durations.TryParse(request.Delay, out var delay, out var delayError))
        {
            errors.Add("delay", delayError);
            return null;
        }
        if (delay <= TimeSpan.Zero || delay > MaxHorizon)
        {
            errors.Add("delay", $"must be more than zero and at most 10 years, got {Durations.Format(delay)}");
            return null;
        }
        return ScheduleTiming.ForDelay(delay, now);
    }

    private static WebhookTarget? ValidateTarget(TargetRequest? target, ValidationErrors errors)
    {
        if (target is null)
        {
            errors.Add("target", "is required");
            return null;
        }
        if (!string.Equals(target.Type, "webhook", StringComparison.Ordinal))
        {
            errors.Add("target.type", target.Type is null ? "is required ('webhook')" : $"'{Truncate(target.Type)}' is not a target type; use 'webhook'");
            return null;
        }

        var timeout = TargetSpec.DefaultTimeout;
        if (target.Timeout is not null)
        {
            if (!Durations.TryParse(target.Timeout, out timeout, out var timeoutError))
            {
                errors.Add("target.timeout", timeoutError);
            }
            else if (timeout <= TimeSpan.Zero || timeout > TargetSpec.MaxTimeout)
            {
                errors.Add("target.timeout", $"must be more than zero and at most {Durations.Format(TargetSpec.MaxTimeout)}, got {Durations.Format(timeout)}");
            }
        }

        Uri? url = null;
        if (string.IsNullOrWhiteSpace(target.Url))
        {
            errors.Add("target.url", "is required for webhook targets");
        }
        else if (target.Url.Length > 2_048)
        {
            errors.Add("target.url", "is longer than 2048 characters");
        }
        else if (!Uri.TryCreate(target.Url, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add("target.url", $"'{Truncate(target.Url)}' is not an absolute http or https URL");
        }

        var method = (target.Method ?? "POST").ToUpperInvariant();
        if (!Methods.Contains(method))
        {
            errors.Add("target.method", $"'{Truncate(target.Method!)}' is not supported; use one of {string.Join(", ", Methods)}");
        }

        var headers = target.Headers ?? [];
        if (headers.Count > MaxHeaders)
        {
            errors.Add("target.headers", $"has {headers.Count} entries; the limit is {MaxHeaders}");
        }
        else
        {
            foreach (var (name, value) in headers)
            {
                if (!HeaderToken().IsMatch(name) || name.Length > 256)
                {
                    errors.Add($"target.headers.{Truncate(name)}", "is not a valid HTTP header name");
                }
                else if (ReservedHeaders.Contains(name))
                {
                    errors.Add($"target.headers.{name}", "is set by the scheduler and cannot be overridden");
                }
                else if (value is null || value.Length > 8_192 || value.Any(c => c is '\r' or '\n' or '\0'))
                {
                    errors.Add($"target.headers.{name}", "values must be present, at most 8192 characters, without CR, LF or NUL");
                }
            }
        }

        if (target.Body is { } body && body.ValueKind != JsonValueKind.Undefined &&
            JsonSerializer.SerializeToUtf8Bytes(body).Length > MaxBodyBytes)
        {
            errors.Add("target.body", $"is larger than {MaxBodyBytes / 1024} KiB");
        }

        if (url is null || errors.Has("target.timeout") || errors.Has("target.method"))
        {
            return null;
        }
        return new WebhookTarget
        {
            Url = url,
            Method = method,
            Headers = headers,
            Body = target.Body is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } b ? b.Clone() : null,
            Timeout = timeout,
        };
    }

    private static string Instant(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
