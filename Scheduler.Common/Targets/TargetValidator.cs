using System.Text.Json;
using System.Text.RegularExpressions;
using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Common.Time;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Targets;

/// <summary>
/// Turns a <see cref="TargetRequest"/> into a <see cref="TargetSpec"/>: the type, the fields every kind shares (timeout,
/// headers) and fields set for another kind here; each kind's own fields in its <see cref="TargetKind"/>.
/// </summary>
public static partial class TargetValidator
{
    public const int MaxHeaders = 50;

    /// <summary>All header names and values together: brokers and HTTP servers refuse far less than 50 × 8 KiB.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    public const int MaxBodyBytes = 64 * 1024;

    // Set by the executor on every delivery; a schedule may not override them.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "webhook-signature", "host", "content-length", "content-type",
        "transfer-encoding", "connection", "traceparent", "tracestate", "nats-msg-id", "nats-expected-stream",
    };

    /// <summary>Every field a request can set, by its JSON name, for refusing those that do not apply to a kind.</summary>
    private static readonly (string Name, Func<TargetRequest, object?> Value)[] RequestFields =
    [
        ("url", r => r.Url), ("method", r => r.Method), ("headers", r => r.Headers), ("body", r => r.Body),
        ("signingSecret", r => r.SigningSecret), ("topic", r => r.Topic), ("key", r => r.Key), ("value", r => r.Value),
        ("connection", r => r.Connection), ("exchange", r => r.Exchange), ("routingKey", r => r.RoutingKey),
        ("subject", r => r.Subject), ("workflow", r => r.Workflow), ("timeout", r => r.Timeout),
    ];

    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex HeaderToken();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex ConnectionName();

    /// <param name="steps">Whether this is a workflow step's target (which cannot start a workflow).</param>
    public static TargetSpec? Validate(TargetRequest? target, ValidationErrors errors, bool steps = false)
    {
        if (target is null)
        {
            errors.Add("target", "is required");
            return null;
        }
        var allowed = (steps ? TargetKinds.Delivering : TargetKinds.All).Select(k => $"'{k.Name}'").ToList();
        var types = string.Join(", ", allowed[..^1]) + " or " + allowed[^1];
        var kind = TargetKinds.Find(target.Type);
        if (kind is null || (steps && !kind.InSteps))
        {
            errors.Add("target.type", target.Type is null ? $"is required ({types})"
                : kind is not null ? $"a workflow step cannot start another workflow; use {types}"
                : $"'{ValidationErrors.Excerpt(target.Type)}' is not a target type; use {types}");
            return null;
        }
        foreach (var (name, read) in RequestFields)
        {
            if (!kind.Fields.Contains(name) && read(target) is not null and not JsonElement { ValueKind: JsonValueKind.Undefined })
            {
                errors.Add($"target.{name}", $"does not apply to {kind.Name} targets");
            }
        }
        var timeout = TargetSpec.DefaultTimeout;
        if (target.Timeout is not null && kind.Fields.Contains("timeout"))
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
        var headers = kind.Fields.Contains("headers") ? ValidateHeaders(target.Headers, kind.HttpHeaders, errors) : [];
        if (kind.UsesConnection)
        {
            ValidateConnection(target.Connection, kind, errors);
        }
        return kind.Validate(target, new TargetBasics(timeout, headers), errors);
    }

    private static void ValidateConnection(string? connection, TargetKind kind, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(connection))
        {
            errors.Add("target.connection", $"is required for {kind.Name} targets: the name of a broker connection the executors have (Brokers:<name>)");
        }
        else if (!ConnectionName().IsMatch(connection))
        {
            errors.Add("target.connection", $"'{ValidationErrors.Excerpt(connection, 40)}' is not a connection name: 1–63 letters, digits, '-' and '_', starting with a letter or digit");
        }
    }

    private static Dictionary<string, string> ValidateHeaders(Dictionary<string, string>? headers, bool http, ValidationErrors errors)
    {
        headers ??= [];
        if (headers.Count > MaxHeaders)
        {
            errors.Add("target.headers", $"has {headers.Count} entries; the limit is {MaxHeaders}");
            return headers;
        }
        var bytes = 0L;
        foreach (var (name, value) in headers)
        {
            var field = $"target.headers.{FieldKey(name)}";
            bytes += name.Length + (value?.Length ?? 0);
            if (name.Length is 0 or > 256 || (http ? !HeaderToken().IsMatch(name) : name.Any(char.IsControl)))
            {
                errors.Add(field, http ? "is not a valid HTTP header name" : "header names must be 1–256 characters without control characters");
            }
            else if (ReservedHeaders.Contains(name) || name.StartsWith("scheduleman-", StringComparison.OrdinalIgnoreCase) ||
                     name.StartsWith("cloudEvents:", StringComparison.OrdinalIgnoreCase))
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
        }
        if (bytes > MaxHeaderBytes)
        {
            errors.Add("target.headers", $"names and values come to {bytes / 1024} KiB; the limit is {MaxHeaderBytes / 1024} KiB together");
        }
        return headers;
    }

    /// <summary>A fixed JSON body or value, bounded. (What jsonb cannot store, NUL and unpaired surrogates, never gets
    /// this far: <see cref="Validation.JsonInput"/> refuses it where the JSON enters.)</summary>
    internal static JsonElement? ValidateJson(JsonElement? json, string field, ValidationErrors errors)
    {
        if (json is not { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } element)
        {
            return null;
        }
        if (JsonSerializer.SerializeToUtf8Bytes(element).Length > MaxBodyBytes)
        {
            errors.Add(field, $"is larger than {MaxBodyBytes / 1024} KiB");
        }
        return element.Clone();
    }

    /// <summary>A client's key as part of an error's field name: short, and without control characters.</summary>
    internal static string FieldKey(string key) => new(ValidationErrors.Excerpt(key).Select(c => char.IsControl(c) ? '\uFFFD' : c).ToArray());
}
