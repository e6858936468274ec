using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scheduler.Common.Parameters;
using Scheduler.Common.Results;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;
using Scheduler.Common.Templates;
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

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex KafkaTopic();

    /// <param name="request">The schedule as sent.</param>
    /// <param name="now">The instant it is written at.</param>
    /// <param name="definition">The validated schedule, or null when there are errors.</param>
    /// <param name="calendar">The calendar the request names, as the caller looked it up (null: none of that name).</param>
    public static ValidationErrors Validate(ScheduleRequest request, DateTimeOffset now, out ScheduleDefinition? definition, CalendarReference? calendar = null)
    {
        var errors = new ValidationErrors();
        definition = null;

        var name = ValidateName(request.Name, "name", errors);

        if (request.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add("description", $"is {request.Description.Length} characters long; the limit is {MaxDescriptionLength}");
        }
        else if (request.Description?.Contains('\0', StringComparison.Ordinal) == true)
        {
            errors.Add("description", "must not contain NUL (\\u0000)");
        }
        ValidateLabels(request.Labels, errors);

        var timing = TimingValidator.Validate(request, now, calendar, errors);
        if (request.State is not (null or "active" or "paused"))
        {
            errors.Add("state", $"'{ValidationErrors.Excerpt(request.State)}' cannot be asked for; use 'active' or 'paused'");
        }
        var target = ValidateTarget(request.Target, errors);
        var parameters = ParameterValidator.ValidateDeclaration(request.Parameters, errors);
        if (timing is { Kind: not ScheduleKind.Manual })
        {
            ParameterValidator.RequireDefaults(parameters, errors, "a timed occurrence is given no parameters");
        }
        var secretRefs = target is null ? [] : TargetTemplates.Validate(target, TemplateScope.For(parameters.Keys.ToList()), errors);
        var completion = CompletionValidator.Validate(request.Completion, errors);

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
                Completion = completion,
                Parameters = parameters,
                SecretRefs = secretRefs,
                State = request.State,
                Calendar = timing!.BusinessDays is null ? null : calendar?.Calendar,
            };
        }
        return errors;
    }

    /// <summary>A name as schedules, workflows and their steps need it: present, bounded, no control or bidi characters.</summary>
    internal static string? ValidateName(string? raw, string field, ValidationErrors errors, int maxLength = MaxNameLength)
    {
        var name = raw?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(field, "is required");
        }
        else if (name.Length > maxLength)
        {
            errors.Add(field, $"is {name.Length} characters long; the limit is {maxLength}");
        }
        else if (name.Any(char.IsControl))
        {
            errors.Add(field, "must not contain control characters");
        }
        else if (name.Any(IsBidiControl))
        {
            // Names are shown in lists and logs: text direction overrides there can disguise one name as another.
            errors.Add(field, "must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)");
        }
        return name;
    }

    internal static void ValidateLabels(Dictionary<string, string>? labels, ValidationErrors errors)
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
                errors.Add($"labels.{FieldKey(key)}", "label keys must be 1–63 characters without control characters");
            }
            else if (value is null || value.Length > 256 || value.Any(char.IsControl))
            {
                errors.Add($"labels.{FieldKey(key)}", "label values must be present, at most 256 characters, without control characters");
            }
        }
    }

    /// <param name="workflows">Whether a <c>workflow</c> target is allowed (a schedule's; not a workflow step's).</param>
    internal static TargetSpec? ValidateTarget(TargetRequest? target, ValidationErrors errors, bool workflows = true)
    {
        if (target is null)
        {
            errors.Add("target", "is required");
            return null;
        }
        var types = workflows ? "'webhook', 'kafka' or 'workflow'" : "'webhook' or 'kafka'";
        if (target.Type is not ("webhook" or "kafka") && !(workflows && target.Type == "workflow"))
        {
            errors.Add("target.type", target.Type is null ? $"is required ({types})"
                : target.Type == "workflow" ? "a workflow step cannot start another workflow; use 'webhook' or 'kafka'"
                : $"'{ValidationErrors.Excerpt(target.Type)}' is not a target type; use {types}");
            return null;
        }
        if (target.Type == "workflow")
        {
            return ValidateWorkflow(target, errors);
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
        var headers = ValidateHeaders(target.Headers, target.Type == "webhook", errors);
        return target.Type == "webhook"
            ? ValidateWebhook(target, timeout, headers, errors)
            : ValidateKafka(target, timeout, headers, errors);
    }

    private static WebhookTarget? ValidateWebhook(TargetRequest target, TimeSpan timeout, Dictionary<string, string> headers, ValidationErrors errors)
    {
        NotFor("webhook", ("topic", target.Topic), ("key", target.Key), ("value", target.Value), errors);
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(target.Url))
        {
            errors.Add("target.url", "is required for webhook targets");
        }
        else if (target.Url.Length > 2_048)
        {
            errors.Add("target.url", "is longer than 2048 characters");
        }
        else if (target.Url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            errors.Add("target.url", "must not contain spaces or control characters; percent-encode them");
        }
        else if (!Uri.TryCreate(target.Url, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add("target.url", $"'{ValidationErrors.Excerpt(target.Url)}' is not an absolute http or https URL");
        }
        else if (!HasValidHost(url))
        {
            errors.Add("target.url", $"'{ValidationErrors.Excerpt(url.Host)}' is not a valid host name (IDNA)");
        }
        else if (url.UserInfo.Length > 0)
        {
            // A URL is shown, listed, logged and traced; credentials in it would be too. Headers have the secret machinery.
            errors.Add("target.url", "must not carry credentials (user:password@host): put them in a header instead, " +
                "e.g. Authorization: Basic …, which is encrypted at rest and never shown or logged, or sign deliveries with signingSecret");
        }

        var method = (target.Method ?? "POST").ToUpperInvariant();
        if (!Methods.Contains(method))
        {
            errors.Add("target.method", $"'{ValidationErrors.Excerpt(target.Method!)}' is not supported; use one of {string.Join(", ", Methods)}");
        }
        var body = ValidateJson(target.Body, "target.body", errors);
        if (target.SigningSecret is { } secret && secret != SensitiveHeaders.Redacted && WebhookSignature.Problem(secret) is { } problem)
        {
            errors.Add("target.signingSecret", problem);
        }
        return errors.IsValid
            ? new WebhookTarget { Url = url!, Method = method, Headers = headers, Body = body, Timeout = timeout, SigningSecret = target.SigningSecret }
            : null;
    }

    private static WorkflowTarget? ValidateWorkflow(TargetRequest target, ValidationErrors errors)
    {
        NotFor("workflow", ("url", target.Url), ("method", target.Method), ("body", target.Body), errors);
        NotFor("workflow", ("topic", target.Topic), ("key", target.Key), ("value", target.Value), errors);
        NotFor("workflow", ("headers", target.Headers), ("signingSecret", target.SigningSecret), ("timeout", target.Timeout), errors);
        var name = ValidateName(target.Workflow, "target.workflow", errors);
        return errors.IsValid ? new WorkflowTarget { Workflow = name! } : null;
    }

    private static KafkaTarget? ValidateKafka(TargetRequest target, TimeSpan timeout, Dictionary<string, string> headers, ValidationErrors errors)
    {
        NotFor("kafka", ("url", target.Url), ("method", target.Method), ("body", target.Body), errors);
        if (target.SigningSecret is not null)
        {
            errors.Add("target.signingSecret", "does not apply to kafka targets");
        }
        if (string.IsNullOrWhiteSpace(target.Topic))
        {
            errors.Add("target.topic", "is required for kafka targets");
        }
        else if (!KafkaTopic().IsMatch(target.Topic) || target.Topic is "." or "..")
        {
            errors.Add("target.topic", $"'{ValidationErrors.Excerpt(target.Topic)}' is not a Kafka topic name (1–249 of letters, digits, '.', '_' and '-')");
        }
        if (target.Key is { Length: 0 or > 1_024 })
        {
            errors.Add("target.key", "must be 1–1024 characters when given");
        }
        var value = ValidateJson(target.Value, "target.value", errors);
        return errors.IsValid
            ? new KafkaTarget { Topic = target.Topic!, Key = target.Key, Headers = headers, Value = value, Timeout = timeout }
            : null;
    }

    private static Dictionary<string, string> ValidateHeaders(Dictionary<string, string>? headers, bool http, ValidationErrors errors)
    {
        headers ??= [];
        if (headers.Count > MaxHeaders)
        {
            errors.Add("target.headers", $"has {headers.Count} entries; the limit is {MaxHeaders}");
            return headers;
        }
        foreach (var (name, value) in headers)
        {
            var field = $"target.headers.{FieldKey(name)}";
            if (name.Length is 0 or > 256 || (http ? !HeaderToken().IsMatch(name) : name.Any(char.IsControl)))
            {
                errors.Add(field, http ? "is not a valid HTTP header name" : "header names must be 1–256 characters without control characters");
            }
            else if (ReservedHeaders.Contains(name) || name.StartsWith("scheduleman-", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(field, "is set by the scheduler and cannot be overridden");
            }
            else if (value is null || value.Length > 8_192 || value.Any(c => c is '\r' or '\n' or '\0'))
            {
                errors.Add(field, "values must be present, at most 8192 characters, without CR, LF or NUL");
            }
            else if (http && value.Any(c => c is not ('\t' or (>= ' ' and <= '~'))))
            {
                errors.Add(field, "HTTP header values must be printable ASCII; percent- or base64-encode anything else");
            }
            else if (SecretBox.IsProtected(value))
            {
                errors.Add(field, "values may not look like stored ciphertext ('enc:v1:…')");
            }
        }
        return headers;
    }

    private static JsonElement? ValidateJson(JsonElement? json, string field, ValidationErrors errors)
    {
        if (json is not { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } element)
        {
            return null;
        }
        try
        {
            if (JsonSerializer.SerializeToUtf8Bytes(element).Length > MaxBodyBytes)
            {
                errors.Add(field, $"is larger than {MaxBodyBytes / 1024} KiB");
            }
            else if (UnstorableText(element) is { } problem)
            {
                errors.Add(field, problem);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // The JSON reader refuses to unescape an unpaired surrogate such as "\udfff".
            errors.Add(field, "must not contain unpaired UTF-16 surrogates (e.g. a lone \\udfff)");
        }
        return element.Clone();
    }

    /// <summary>
    /// PostgreSQL's jsonb cannot hold NUL: say so instead of failing to store. (It cannot hold unpaired surrogates
    /// either, but the JSON reader already refuses to unescape those: see the caller.)
    /// </summary>
    private static string? UnstorableText(JsonElement element)
    {
        static string? Check(string? text) =>
            text?.Contains('\0', StringComparison.Ordinal) == true ? "must not contain NUL (\\u0000) in any string" : null;
        return element.ValueKind switch
        {
            JsonValueKind.String => Check(element.GetString()),
            JsonValueKind.Array => element.EnumerateArray().Select(UnstorableText).FirstOrDefault(p => p is not null),
            JsonValueKind.Object => element.EnumerateObject().Select(p => Check(p.Name) ?? UnstorableText(p.Value)).FirstOrDefault(p => p is not null),
            _ => null,
        };
    }

    private static bool HasValidHost(Uri url)
    {
        try
        {
            return url.IdnHost.Length > 0;
        }
        catch (UriFormatException)
        {
            return false;
        }
    }

    private static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>A client's key as part of an error's field name: short, and without control characters.</summary>
    private static string FieldKey(string key) => new(ValidationErrors.Excerpt(key).Select(c => char.IsControl(c) ? '\uFFFD' : c).ToArray());

    private static void NotFor(string type, (string Name, object? Value) a, (string Name, object? Value) b, (string Name, object? Value) c, ValidationErrors errors)
    {
        foreach (var (name, value) in new[] { a, b, c })
        {
            if (value is not null and not JsonElement { ValueKind: JsonValueKind.Undefined })
            {
                errors.Add($"target.{name}", $"does not apply to {type} targets");
            }
        }
    }

}
