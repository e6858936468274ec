using System.Globalization;
using System.Text.Json;
using Scheduler.Common.Schedules;
using Scheduler.Common.Time;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Backfills;

/// <summary>"Trigger now" or "run now", optionally in history mode: for a past logical date or data interval, with parameters.</summary>
public sealed record RunNowRequest
{
    /// <summary>
    /// History mode: run as if it were then. An ISO 8601 instant, or a date (<c>2026-12-01</c>: midnight in the job's time zone,
    /// as a backfill's bounds). For a cron job, the latest occurrence at or before it, with its data interval; for other jobs
    /// this instant as it is. Not in the future.
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
    /// <param name="zone">Where a date without a time (<c>2026-12-01</c>) is midnight: the job's zone (UTC for a workflow), as a backfill's bounds.</param>
    public static HistoryRun Resolve(RunNowRequest request, Occurrences? occurrences, bool recurring, DateTimeOffset now, ValidationErrors errors,
        TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Utc;
        var logical = Instant(request.LogicalDate, "logicalDate", zone, now, errors);
        var start = Instant(request.IntervalStart, "intervalStart", zone, now, errors);
        var end = Instant(request.IntervalEnd, "intervalEnd", zone, now, errors);
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

    /// <summary>An ISO 8601 instant, or a date (<c>2026-11-23</c>: midnight in <paramref name="zone"/>); null when it is neither.</summary>
    public static DateTimeOffset? ParseInstantOrDate(string text, TimeZoneInfo zone)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return ZoneTime.ToInstant(date, TimeOnly.MinValue, zone);
        }
        return text.Contains('T', StringComparison.Ordinal) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUniversalTime()
            : null;
    }

    private static DateTimeOffset? Instant(string? text, string field, TimeZoneInfo zone, DateTimeOffset now, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }
        if (ParseInstantOrDate(text, zone) is not { } at)
        {
            errors.Add(field, $"'{ValidationErrors.Excerpt(text)}' is neither an ISO 8601 instant (2026-11-24T00:00:00Z) nor a date (2026-11-24)");
            return null;
        }
        if (at > now)
        {
            errors.Add(field, $"is in the future ({at:O}); history mode runs the past — for a later run, create a one-shot");
            return null;
        }
        return at;
    }
}
