using Scheduler.Common;
using System.Text.Json;
using Scheduler.Common.Backfills;
using Scheduler.Common.Schedules;
using Scheduler.Storage.Backfills;

namespace Scheduler.Crud.Api.Backfills;

/// <summary>A backfill and how far it has got.</summary>
public sealed record BackfillResponse
{
    public Guid Id { get; init; }
    /// <summary>The schedule it runs (or <c>workflowId</c>).</summary>
    public Guid? ScheduleId { get; init; }
    /// <summary>The workflow it runs (or <c>scheduleId</c>).</summary>
    public Guid? WorkflowId { get; init; }
    /// <summary>The job's name when the backfill was made.</summary>
    public required string Job { get; init; }
    /// <summary>The range, <c>[start, end)</c>.</summary>
    public DateTimeOffset Start { get; init; }
    public DateTimeOffset End { get; init; }
    /// <summary><c>occurrence</c>, <c>day</c>, <c>week</c> or <c>month</c>.</summary>
    public required string Batch { get; init; }
    public int MaxActiveRuns { get; init; }
    public JsonElement Parameters { get; init; }
    public bool Rerun { get; init; }
    /// <summary><c>running</c>, <c>paused</c> (nothing new starts), <c>completed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }
    public required BackfillProgressResponse Progress { get; init; }
    public int Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    public static BackfillResponse From(BackfillRecord b) => new()
    {
        Id = b.Id,
        ScheduleId = b.ScheduleId,
        WorkflowId = b.WorkflowId,
        Job = b.JobName,
        Start = b.RangeStart,
        End = b.RangeEnd,
        Batch = b.Batch,
        MaxActiveRuns = b.MaxActiveRuns,
        Parameters = SchedulerJson.ParseStored(b.Parameters),
        Rerun = b.Rerun,
        Status = b.Status,
        Progress = new BackfillProgressResponse(b.Total, b.Covered, b.Started, b.Active, b.Succeeded, b.Failed, b.Total - b.Started,
            b.Total == 0 ? 100 : Math.Round(100.0 * (b.Succeeded + b.Failed) / b.Total, 1)),
        Version = b.Version,
        CreatedAt = b.CreatedAt,
        UpdatedAt = b.UpdatedAt,
        FinishedAt = b.FinishedAt,
    };
}

/// <summary>A backfill's runs by state.</summary>
/// <param name="Total">Runs it makes (intervals an earlier backfill covers not counted: see <paramref name="Covered"/>).</param>
/// <param name="Covered">Intervals left out because an earlier backfill of the job ran them, runs them or will (without <c>rerun</c>).</param>
/// <param name="Started">Runs started so far, in order.</param>
/// <param name="Active">Started and not yet ended (at most <c>maxActiveRuns</c>).</param>
/// <param name="Waiting">Not started yet.</param>
/// <param name="PercentDone">Runs ended, as a percentage of <paramref name="Total"/>.</param>
public sealed record BackfillProgressResponse(int Total, int Covered, int Started, int Active, int Succeeded, int Failed, int Waiting, double PercentDone);

/// <summary>One run of a backfill: the interval it covers, and its execution or workflow run once started.</summary>
/// <param name="Status"><c>waiting</c> until started; then its execution's (or workflow run's) status.</param>
public sealed record BackfillRunResponse(int Seq, DateTimeOffset LogicalDate, DataInterval DataInterval, string Status, Guid? ExecutionId, Guid? WorkflowRunId)
{
    public static BackfillRunResponse From(BackfillRunRecord r) =>
        new(r.Seq, r.LogicalDate, new DataInterval(r.IntervalStart, r.IntervalEnd), r.Status, r.ExecutionId, r.RunId);
}

/// <summary>A page of a backfill's runs in order; pass <c>nextCursor</c> as <c>cursor</c> for the next.</summary>
public sealed record BackfillRunPage(IReadOnlyList<BackfillRunResponse> Items, string? NextCursor);

/// <summary>A page of backfills, newest first.</summary>
public sealed record BackfillPage(IReadOnlyList<BackfillResponse> Items, string? NextCursor);

/// <summary>What a dry run would make: each run (the first <see cref="BackfillsApi.MaxListedRuns"/>), marked when an earlier backfill covers it.</summary>
/// <param name="Total">Runs the range holds.</param>
/// <param name="ToRun">Runs it would make (the rest are covered).</param>
public sealed record BackfillPlanResponse(int Total, int ToRun, int Covered, IReadOnlyList<PlannedRunResponse> Runs, bool Truncated)
{
    public static BackfillPlanResponse From(BackfillCreated plan)
    {
        var runs = plan.Runs.Take(BackfillsApi.MaxListedRuns)
            .Select(r => new PlannedRunResponse(r.LogicalDate, r.Interval, plan.Covered.Contains(r.Interval))).ToList();
        var covered = plan.Runs.Count(r => plan.Covered.Contains(r.Interval));
        return new BackfillPlanResponse(plan.Runs.Count, plan.Runs.Count - covered, covered, runs, plan.Runs.Count > BackfillsApi.MaxListedRuns);
    }
}

/// <summary>A run a dry run lists; <paramref name="Covered"/>: an earlier backfill covers it, so it would not be made (without <c>rerun</c>).</summary>
public sealed record PlannedRunResponse(DateTimeOffset LogicalDate, DataInterval DataInterval, bool Covered);
