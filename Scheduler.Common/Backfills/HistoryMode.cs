using System.Globalization;
using System.Text.Json;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Backfills;

/// <summary>"Trigger now" or "run now", optionally in history mode: for a past logical date or data interval, with parameters.</summary>
public sealed record RunNowRequest
{
    /// <summary>
    /// History mode: run as if it were then. For a cron job, the latest occurrence at or before this instant, with its data
    /// interval; for other jobs this instant as it is. Not in the future.
    /// </summary>
    public string? LogicalDate { get; init; }

    /// <summary>History mode with an explicit data interval: its start (with <c>intervalEnd</c>; the logical date is the end unless given).</summary>
    public string? IntervalStart { get; init; }

    /// <summary>The explicit data interval's end (exclusive), not in the future.</summary>
    public string? IntervalEnd { get; init; }

    /// <summary>The run's parameters (checked against the job's declaration; defaults filled in).</summary>
    public JsonElement? Parameters { get; init; }
}

/// <summary>A run for the past: its logical date and data interval (both null: now, no interval).</summary>
public sealed record HistoryRun(DateTimeOffset? LogicalDate, DataInterval? Interval);

/// <summary>Resolves history mode against a job's timing: the occurrence a logical date names, and its interval.</summary>
public static class HistoryMode
{
    /// <param name="occurrences">The job's occurrences (with its calendar); null for a workflow (no timing: dates are taken as they are).</param>
    public static HistoryRun Resolve(RunNowRequest request, Occurrences? occurrences, bool recurring, DateTimeOffset now, ValidationErrors errors)
    {
        var logical = Instant(request.LogicalDate, "logicalDate", now, errors);
        var start = Instant(request.IntervalStart, "intervalStart", now, errors);
        var end = Instant(request.IntervalEnd, "intervalEnd", now, errors);
        if (!errors.IsValid)
        {
            return new HistoryRun(null, null);
        }
        if (start is not null || end is not null)
        {
            if (start is null || end is null)
            {
                errors.Add(start is null ? "intervalStart" : "intervalEnd", "is required with " + (start is null ? "intervalEnd" : "intervalStart"));
                return new HistoryRun(null, null);
            }
            if (end <= start)
            {
                errors.Add("intervalEnd", $"must be after intervalStart ({start:O})");
                return new HistoryRun(null, null);
            }
            return new HistoryRun(logical ?? end, new DataInterval(start.Value, end.Value));
        }
        if (logical is not { } date)
        {
            return new HistoryRun(null, null);
        }
        if (!recurring || occurrences is null)
        {
            return new HistoryRun(date, null);
        }
        // The occurrence at or before the date names the run (a date between occurrences means the last one before it).
        if (occurrences.Before(date.AddTicks(1)) is not { } occurrence)
        {
            errors.Add("logicalDate", $"the job has no occurrence at or before {date:O} (within {Occurrences.MaxScanDays} days)");
            return new HistoryRun(null, null);
        }
        return new HistoryRun(occurrence, occurrences.IntervalEndingAt(occurrence));
    }

    private static DateTimeOffset? Instant(string? text, string field, DateTimeOffset now, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }
        if (!text.Contains('T', StringComparison.Ordinal) ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            errors.Add(field, $"'{ValidationErrors.Excerpt(text)}' is not an ISO 8601 instant, e.g. 2026-11-24T00:00:00Z");
            return null;
        }
        if (at > now)
        {
            errors.Add(field, $"is in the future ({at.ToUniversalTime():O}); history mode runs the past — for a later run, create a one-shot");
            return null;
        }
        return at.ToUniversalTime();
    }
}
