using System.Text.Json;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Results;

/// <summary>What a worker reports about its run (<c>POST</c> to the trigger's callback address).</summary>
public sealed record RunReportRequest
{
    /// <summary><c>running</c> (a heartbeat, optionally with progress), <c>succeeded</c>, <c>failed</c> or <c>cancelled</c> (after being asked to stop).</summary>
    public string? Status { get; init; }

    /// <summary>With <c>running</c>: how far along, 0–100.</summary>
    public double? Progress { get; init; }

    /// <summary>With <c>running</c>: a short note on what it is doing (at most 500 characters).</summary>
    public string? Message { get; init; }

    /// <summary>With <c>succeeded</c>: a small JSON result (at most 16 KiB), kept with the run.</summary>
    public JsonElement? Output { get; init; }

    /// <summary>With <c>failed</c>: what went wrong (at most 4,000 characters).</summary>
    public string? Error { get; init; }

    /// <summary>The code that ran: a git revision, an image digest (at most 200 characters).</summary>
    public string? CodeVersion { get; init; }

    /// <summary>An http(s) link to the run's logs.</summary>
    public string? LogsUrl { get; init; }
}

public enum RunStatus
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>A validated report.</summary>
public sealed record RunReport(RunStatus Status, double? Progress, string? Message, string? OutputJson, string? Error, string? CodeVersion, string? LogsUrl)
{
    public const int MaxOutputBytes = 16 * 1024;
    public const int MaxErrorLength = 4_000;
    public const int MaxMessageLength = 500;
    public const int MaxCodeVersionLength = 200;
    public const int MaxUrlLength = 2_048;

    public static ValidationErrors Validate(RunReportRequest request, out RunReport? report)
    {
        var errors = new ValidationErrors();
        report = null;
        RunStatus? status = request.Status switch
        {
            "running" => RunStatus.Running,
            "succeeded" => RunStatus.Succeeded,
            "failed" => RunStatus.Failed,
            "cancelled" => RunStatus.Cancelled,
            _ => null,
        };
        if (status is null)
        {
            errors.Add("status", request.Status is null ? "is required: running, succeeded, failed or cancelled"
                : $"'{ValidationErrors.Excerpt(request.Status, 40)}' is not a report status; use running, succeeded, failed or cancelled");
        }
        if (request.Progress is { } progress && (double.IsNaN(progress) || progress is < 0 or > 100))
        {
            errors.Add("progress", $"must be between 0 and 100, got {progress}");
        }
        CheckText(request.Message, "message", MaxMessageLength, errors);
        CheckText(request.Error, "error", MaxErrorLength, errors, allowNewlines: true);
        CheckText(request.CodeVersion, "codeVersion", MaxCodeVersionLength, errors);
        if (request.LogsUrl is { } logs)
        {
            if (logs.Length > MaxUrlLength)
            {
                errors.Add("logsUrl", $"is {logs.Length} characters long; the limit is {MaxUrlLength}");
            }
            else if (!Uri.TryCreate(logs, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add("logsUrl", "must be an absolute http or https URL");
            }
        }
        string? output = null;
        if (request.Output is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } value)
        {
            output = value.GetRawText();
            var bytes = System.Text.Encoding.UTF8.GetByteCount(output);
            if (bytes > MaxOutputBytes)
            {
                errors.Add("output", $"is {bytes} bytes of JSON; the limit is {MaxOutputBytes} (keep large results in your own storage and report a link)");
            }
            else if (status is not RunStatus.Succeeded)
            {
                errors.Add("output", "is kept only with status succeeded");
            }
        }
        if (request.Error is not null && status is RunStatus.Running or RunStatus.Succeeded)
        {
            errors.Add("error", $"goes with status failed or cancelled, not {request.Status}");
        }
        if (errors.IsValid)
        {
            report = new RunReport(status!.Value, request.Progress, request.Message, output, request.Error, request.CodeVersion, request.LogsUrl);
        }
        return errors;
    }

    private static void CheckText(string? text, string field, int max, ValidationErrors errors, bool allowNewlines = false)
    {
        if (text is null)
        {
            return;
        }
        if (text.Length > max)
        {
            errors.Add(field, $"is {text.Length} characters long; the limit is {max}");
        }
        else if (text.Any(c => char.IsControl(c) && !(allowNewlines && c is '\n' or '\r' or '\t')))
        {
            errors.Add(field, "must not contain control characters");
        }
    }

}
