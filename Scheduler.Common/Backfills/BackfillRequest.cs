using System.Text.Json;

namespace Scheduler.Common.Backfills;

/// <summary>A backfill as clients send it: a range of history to run a job over, cut into runs.</summary>
public sealed record BackfillRequest
{
    /// <summary>The range's start: an ISO 8601 instant, or a date (<c>2026-11-23</c>, midnight in the job's time zone).</summary>
    public string? Start { get; init; }

    /// <summary>The range's end (exclusive), not in the future: an instant or a date, as <c>start</c>.</summary>
    public string? End { get; init; }

    /// <summary>
    /// <c>occurrence</c> (default for cron jobs: one run per interval that starts in the range, from an occurrence to the
    /// next, once it has ended), or <c>day</c>, <c>week</c> (Monday to Monday) or <c>month</c>: one run per such period in the
    /// job's zone that the job fires in (every period for a manual job).
    /// </summary>
    public string? Batch { get; init; }

    /// <summary>How many of its runs may be unfinished at once, 1–100 (default 1: one at a time, oldest first).</summary>
    public int? MaxActiveRuns { get; init; }

    /// <summary>Every run's parameters (checked against the job's declaration; defaults filled in).</summary>
    public JsonElement? Parameters { get; init; }

    /// <summary><c>true</c>: list the runs it would create and store nothing.</summary>
    public bool? DryRun { get; init; }

    /// <summary><c>true</c>: run intervals again that an earlier backfill of this job already ran or is running.</summary>
    public bool? Rerun { get; init; }
}
