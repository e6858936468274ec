using System.Globalization;
using System.Text.Json;
using Scheduler.Common;
using Scheduler.Common.Parameters;
using Scheduler.Common.Schedules;
using Scheduler.Common.Targets;
using Scheduler.Common.Time;
using Scheduler.Common.Validation;
using Scheduler.Storage.Schedules;

namespace Scheduler.Crud.Api.Ui;

/// <summary>
/// The create/edit form as posted: plain text fields, turned into the API's <see cref="ScheduleRequest"/> so that
/// the browser gets exactly the validation the API applies. Labels are <c>key=value</c> lines, headers
/// <c>Name: value</c> lines, bodies JSON.
/// </summary>
public sealed class ScheduleForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Labels { get; set; }
    public string Kind { get; set; } = "cron";
    public string? Cron { get; set; }
    public string? TimeZone { get; set; }
    public string? RunAt { get; set; }
    public string? Delay { get; set; }
    public string TargetType { get; set; } = "webhook";
    public string? Url { get; set; }
    public string? Method { get; set; }
    public string? Headers { get; set; }
    public string? Body { get; set; }
    public string? Topic { get; set; }
    public string? Connection { get; set; }
    public string? Exchange { get; set; }
    public string? RoutingKey { get; set; }
    public string? Subject { get; set; }

    /// <summary>With a workflow target: the workflow each occurrence starts a run of.</summary>
    public string? Workflow { get; set; }
    public string? Key { get; set; }
    public string? Timeout { get; set; }
    public string? SigningSecret { get; set; }
    public string? MaxAttempts { get; set; }
    public string? Calendar { get; set; }
    public string? NonBusinessDay { get; set; }
    /// <summary>Comma-separated business days of the month, e.g. <c>3, -2</c>.</summary>
    public string? BusinessDaysOfMonth { get; set; }
    public string? StartAt { get; set; }
    public string? EndAt { get; set; }
    public string? Jitter { get; set; }
    public string? CatchUp { get; set; }
    public string? CatchUpWindow { get; set; }
    public bool Paused { get; set; }
    /// <summary>Result tracking: set to track results (the run timeout); blank: runs end at delivery.</summary>
    public string? RunTimeout { get; set; }
    public string? HeartbeatTimeout { get; set; }
    public string? Overlap { get; set; }

    /// <summary>The request, or the errors of fields that are not even well-formed (JSON bodies, lines, numbers).</summary>
    public ScheduleRequest ToRequest(ValidationErrors errors)
    {
        return new ScheduleRequest
        {
            Name = Name,
            Description = Blank(Description),
            Labels = Pairs(Labels, '=', "labels", errors),
            Cron = Kind == "cron" ? Cron ?? "" : null,
            TimeZone = Kind == "cron" ? Blank(TimeZone) : null,
            RunAt = Kind == "runAt" ? RunAt ?? "" : null,
            Delay = Kind == "delay" ? Delay ?? "" : null,
            Manual = Kind == "manual" ? true : null,
            State = Paused ? "paused" : null,
            Calendar = Kind == "cron" ? Blank(Calendar) : null,
            NonBusinessDay = Kind == "cron" && Blank(Calendar) is not null && string.IsNullOrWhiteSpace(BusinessDaysOfMonth) ? Blank(NonBusinessDay) : null,
            BusinessDaysOfMonth = Kind == "cron" ? Positions(BusinessDaysOfMonth, errors) : null,
            StartAt = Kind == "cron" ? Blank(StartAt) : null,
            EndAt = Kind == "cron" ? Blank(EndAt) : null,
            Jitter = Kind == "manual" ? null : Blank(Jitter),
            CatchUp = Kind == "cron" ? Blank(CatchUp) : null,
            CatchUpWindow = Kind == "cron" && Blank(CatchUp) == "all" ? Blank(CatchUpWindow) : null,
            MaxAttempts = string.IsNullOrWhiteSpace(MaxAttempts) ? null
                : int.TryParse(MaxAttempts, NumberStyles.Integer, CultureInfo.InvariantCulture, out var attempts) ? attempts
                : Invalid<int?>(errors, "maxAttempts", $"'{MaxAttempts}' is not a whole number"),
            Completion = Blank(RunTimeout) is null ? null : new Scheduler.Common.Results.CompletionRequest
            {
                RunTimeout = Blank(RunTimeout),
                HeartbeatTimeout = Blank(HeartbeatTimeout),
                Overlap = Blank(Overlap),
            },
            Target = ToTargetRequest(errors),
        };
    }

    /// <summary>
    /// <paramref name="request"/> with what the form does not show taken from <paramref name="stored"/>, the schedule it
    /// was opened on: the declared parameters. The form carries that schedule's version, so a change made meanwhile is
    /// refused (version mismatch) rather than overwritten with the stale copy.
    /// </summary>
    public static ScheduleRequest KeepingUnshown(ScheduleRequest request, ScheduleRecord? stored) =>
        stored is null ? request : request with { Parameters = ParameterViews.ToRequest(stored.Parameters) };

    /// <summary>The target's fields, each sent only when the chosen kind reads it (so a hidden field cannot be refused).</summary>
    private TargetRequest ToTargetRequest(ValidationErrors errors)
    {
        var kind = TargetKinds.Find(TargetType);
        bool Has(string field) => kind?.Fields.Contains(field) == true;
        return new TargetRequest
        {
            Type = TargetType,
            Url = Has("url") ? Url ?? "" : null,
            Method = Has("method") ? Blank(Method) : null,
            Headers = Has("headers") ? Pairs(Headers, ':', "target.headers", errors) : null,
            Body = Has("body") ? JsonInput.ParseField(Body, "target.body", errors) : null,
            Value = Has("value") ? JsonInput.ParseField(Body, "target.value", errors) : null,
            SigningSecret = Has("signingSecret") ? Blank(SigningSecret) : null,
            Topic = Has("topic") ? Topic ?? "" : null,
            Key = Has("key") ? Blank(Key) : null,
            Connection = Has("connection") ? Connection ?? "" : null,
            Exchange = Has("exchange") ? Blank(Exchange) : null,
            RoutingKey = Has("routingKey") ? Blank(RoutingKey) : null,
            Subject = Has("subject") ? Subject ?? "" : null,
            Workflow = Has("workflow") ? Workflow ?? "" : null,
            Timeout = Has("timeout") ? Blank(Timeout) : null,
        };
    }

    /// <summary>A stored schedule as the form shows it; secrets as <c>***</c>, which keeps them when saved.</summary>
    public static ScheduleForm From(ScheduleRecord record)
    {
        var target = record.TargetSpec.Redacted();
        var form = new ScheduleForm
        {
            Name = record.Name,
            Description = record.Description,
            Labels = string.Join('\n', record.LabelMap.Select(l => $"{l.Key}={l.Value}")),
            Kind = record.Kind,
            Cron = record.Cron,
            TimeZone = record.TimeZone,
            RunAt = record.RunAt?.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
            Delay = record.Delay is { } delay ? Durations.Format(delay) : null,
            TargetType = target.Type,
            Timeout = Durations.Format(target.Timeout),
            MaxAttempts = record.MaxAttempts.ToString(CultureInfo.InvariantCulture),
            Paused = record.State == "paused",
        };
        var timing = record.Timing;
        if (timing.BusinessDays is { } rule)
        {
            form.Calendar = rule.CalendarName;
            form.NonBusinessDay = rule.NonBusinessDay.ToString().ToLowerInvariant();
            form.BusinessDaysOfMonth = rule.DaysOfMonth.Count > 0 ? string.Join(", ", rule.DaysOfMonth) : null;
        }
        form.StartAt = timing.StartAt?.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
        form.EndAt = timing.EndAt?.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
        form.Jitter = timing.Jitter is { } jitter ? Durations.Format(jitter) : null;
        form.CatchUp = timing.IsRecurring ? timing.CatchUp.ToString().ToLowerInvariant() : null;
        form.CatchUpWindow = timing.CatchUpWindow is { } window ? Durations.Format(window) : null;
        if (record.Completion is { } completion)
        {
            var view = completion.ToRequest();
            (form.RunTimeout, form.HeartbeatTimeout, form.Overlap) = (view.RunTimeout, view.HeartbeatTimeout, view.Overlap);
        }
        // A target's JSON is its request's shape (the CLI relies on the same): read the fields back generically.
        var fields = JsonSerializer.Deserialize<TargetRequest>(JsonSerializer.Serialize(target, SchedulerJson.Options), SchedulerJson.Options)!;
        form.Url = fields.Url;
        form.Method = fields.Method;
        form.SigningSecret = fields.SigningSecret;
        form.Topic = fields.Topic;
        form.Key = fields.Key;
        form.Connection = fields.Connection;
        form.Exchange = fields.Exchange;
        form.RoutingKey = fields.RoutingKey;
        form.Subject = fields.Subject;
        form.Workflow = fields.Workflow;
        form.Headers = fields.Headers is { Count: > 0 } headers ? Lines(headers) : null;
        form.Body = (fields.Body ?? fields.Value) is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } body
            ? JsonSerializer.Serialize(body, SchedulerJson.Options) : null;
        return form;
    }

    private static int[]? Positions(string? text, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var positions = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                positions.Add(n);
            }
            else
            {
                errors.Add("businessDaysOfMonth", $"'{(part.Length > 20 ? part[..20] + "…" : part)}' is not a whole number (1 = first, -1 = last)");
            }
        }
        return positions.ToArray();
    }

    private static string Lines(IReadOnlyDictionary<string, string> headers) => string.Join('\n', headers.Select(h => $"{h.Key}: {h.Value}"));

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static Dictionary<string, string>? Pairs(string? text, char separator, string field, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Split(separator, 2) is [{ Length: > 0 } key, var value])
            {
                pairs[key.Trim()] = value.Trim();
            }
            else
            {
                errors.Add(field, $"'{(line.Length > 40 ? line[..40] + "…" : line)}' is not {(separator == '=' ? "key=value" : "Name: value")}");
            }
        }
        return pairs;
    }

    private static T Invalid<T>(ValidationErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return default!;
    }
}
