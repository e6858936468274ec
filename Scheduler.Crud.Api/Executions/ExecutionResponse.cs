using Scheduler.Common;
using Scheduler.Storage.Executions;

namespace Scheduler.Crud.Api.Executions;

/// <summary>One occurrence of a schedule (or one step of a workflow run) and how its delivery went.</summary>
public sealed record ExecutionResponse
{
    /// <summary>Sent as <c>webhook-id</c> with every attempt: the key to de-duplicate on.</summary>
    public Guid Id { get; init; }
    /// <summary>The schedule it is an occurrence of; absent for a workflow step (see <c>workflowRunId</c>).</summary>
    public Guid? ScheduleId { get; init; }
    /// <summary>The schedule's name; for a workflow step <c>workflow/step</c>.</summary>
    public required string ScheduleName { get; init; }
    /// <summary>For a workflow step: the run it belongs to.</summary>
    public Guid? WorkflowRunId { get; init; }
    /// <summary>For a workflow step: the step's id.</summary>
    public string? StepId { get; init; }
    /// <summary>For a workflow step: the run attempt it belongs to (1, then one more per resume or rerun).</summary>
    public int? RunAttempt { get; init; }
    public DateTimeOffset ScheduledFor { get; init; }
    /// <summary><c>schedule</c>, <c>catchup</c> (stands for occurrences missed while nothing ran), <c>deferred</c> (held by an outage until its end) <c>manual</c> (triggered, perhaps for a past date) or <c>backfill</c>; <c>workflow</c> for a step.</summary>
    public required string Origin { get; init; }
    /// <summary>How many occurrences this execution stands for (more than 1 only for a catch-up or a deferral).</summary>
    public int Occurrences { get; init; }
    /// <summary>
    /// <c>pending</c>, <c>delivering</c>, <c>succeeded</c>, <c>dead</c> or <c>skipped</c> (an outage, the catch-up or the overlap policy; never
    /// delivered). With result tracking also <c>delivered</c> (the worker has not reported yet), <c>running</c>, <c>failed</c> (reported; an
    /// executor retries or dead-letters it within a poll), <c>cancelling</c>, <c>cancelled</c> and <c>waiting</c> (buffered by the overlap policy).
    /// </summary>
    public required string Status { get; init; }
    /// <summary>Attempts started so far.</summary>
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public int? LastStatusCode { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FirstAttemptAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>Why it was skipped or deferred, e.g. <c>skipped by outage 'db-upgrade'</c>.</summary>
    public string? Note { get; init; }
    /// <summary>The outage that skipped or deferred it.</summary>
    public Guid? OutageId { get; init; }
    /// <summary>First attempt minus scheduled time, in milliseconds.</summary>
    public double? LatenessMs { get; init; }
    /// <summary>Why a dead or cancelled execution ended: <c>delivery-failed</c>, <c>worker-failed</c>, <c>timed-out</c> (past its run timeout) or <c>worker-silent</c> (no heartbeat in time); for a skipped workflow step <c>upstream-failed</c> or <c>rule-unmet</c>.</summary>
    public string? EndReason { get; init; }
    /// <summary>The date the run is for: its occurrence (<c>scheduledFor</c>), or the past date asked for (history mode, a backfill).</summary>
    public DateTimeOffset LogicalDate { get; init; }
    /// <summary>The data interval it covers, <c>[start, end)</c>: a cron occurrence's since the one before, or the one asked for.</summary>
    public Scheduler.Common.Schedules.DataInterval? DataInterval { get; init; }
    /// <summary>Its parameters (given, with the declared defaults filled in).</summary>
    public System.Text.Json.JsonElement? Parameters { get; init; }
    /// <summary>The backfill it is a run of (origin <c>backfill</c>).</summary>
    public Guid? BackfillId { get; init; }
    /// <summary>With result tracking: the current attempt's run as its worker reported it.</summary>
    public RunResponse? Run { get; init; }
    /// <summary>Every attempt (only on a single execution's page).</summary>
    public IReadOnlyList<AttemptResponse>? Attempts { get; init; }

    public static ExecutionResponse From(ExecutionRecord e, IReadOnlyList<AttemptRecord>? attempts = null) => new()
    {
        Id = e.Id,
        ScheduleId = e.ScheduleId,
        ScheduleName = e.ScheduleName,
        WorkflowRunId = e.WorkflowRunId,
        StepId = e.StepId,
        RunAttempt = e.RunAttempt,
        ScheduledFor = e.ScheduledFor,
        Origin = e.Origin,
        Occurrences = e.Occurrences,
        Status = e.Status,
        Attempt = e.Attempt,
        MaxAttempts = e.MaxAttempts,
        NextAttemptAt = e.NextAttemptAt,
        LastError = e.LastError,
        LastStatusCode = e.LastStatusCode,
        CreatedAt = e.CreatedAt,
        FirstAttemptAt = e.FirstAttemptAt,
        CompletedAt = e.CompletedAt,
        Note = e.Note,
        OutageId = e.OutageId,
        LatenessMs = e.FirstAttemptAt is { } first ? (first - e.ScheduledFor).TotalMilliseconds : null,
        EndReason = e.EndReason,
        LogicalDate = e.LogicalDate ?? e.ScheduledFor,
        DataInterval = e.IntervalStart is { } start && e.IntervalEnd is { } end ? new(start, end) : null,
        Parameters = e.ParametersJson is { } parameters ? SchedulerJson.ParseStored(parameters) : null,
        BackfillId = e.BackfillId,
        Run = RunResponse.From(e),
        Attempts = attempts?.Select(a => new AttemptResponse(a.Attempt, a.ExecutorId, a.StartedAt, a.DurationMs, a.Outcome, a.StatusCode, a.Error)
        {
            RunStatus = a.RunStatus,
            RunFinishedAt = a.RunFinishedAt,
            RunDurationMs = a.RunDurationMs,
            RunError = a.RunError,
            CodeVersion = a.CodeVersion,
            LogsUrl = a.LogsUrl,
            LateReport = a.LateReport,
        }).ToList(),
    };
}

/// <summary>One attempt: its delivery (when, how long, the HTTP status or error) and, with result tracking, its run.</summary>
public sealed record AttemptResponse(int Attempt, string ExecutorId, DateTimeOffset StartedAt, double DurationMs, string Outcome, int? StatusCode, string? Error)
{
    /// <summary><c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, <c>timed-out</c> or <c>worker-silent</c>.</summary>
    public string? RunStatus { get; init; }
    public DateTimeOffset? RunFinishedAt { get; init; }
    /// <summary>From delivery to the worker's final report.</summary>
    public double? RunDurationMs { get; init; }
    public string? RunError { get; init; }
    /// <summary>The code that ran, as the worker reported it (a git revision, an image digest).</summary>
    public string? CodeVersion { get; init; }
    public string? LogsUrl { get; init; }
    /// <summary>A report that came after this attempt had ended: kept, changed nothing.</summary>
    public string? LateReport { get; init; }
}

/// <summary>The run of an execution's current attempt (result tracking).</summary>
public sealed record RunResponse
{
    /// <summary>How long a run may take, and the longest silence between reports.</summary>
    public required Scheduler.Common.Results.CompletionRequest Completion { get; init; }
    /// <summary>When the trigger was delivered: the run clock started.</summary>
    public DateTimeOffset? DeliveredAt { get; init; }
    /// <summary>The last <c>running</c> report.</summary>
    public DateTimeOffset? HeartbeatAt { get; init; }
    /// <summary>When the run times out unless the worker reports (for runs in progress).</summary>
    public DateTimeOffset? Deadline { get; init; }
    public double? Progress { get; init; }
    public string? Message { get; init; }
    /// <summary>What the worker reported with <c>succeeded</c>.</summary>
    public System.Text.Json.JsonElement? Output { get; init; }
    public string? CodeVersion { get; init; }
    public string? LogsUrl { get; init; }
    public DateTimeOffset? CancelRequestedAt { get; init; }
    /// <summary>From delivery to the end, for a finished run; so far, for one in progress.</summary>
    public double? DurationMs { get; init; }

    internal static RunResponse? From(ExecutionRecord e) => Scheduler.Common.Results.Completion.FromJson(e.CompletionJson) is not { } completion ? null : new()
    {
        Completion = completion.ToRequest(),
        DeliveredAt = e.DeliveredAt,
        HeartbeatAt = e.HeartbeatAt,
        Deadline = e.RunDeadline,
        Progress = e.Progress,
        Message = e.Message,
        Output = e.OutputJson is { } json ? SchedulerJson.ParseStored(json) : null,
        CodeVersion = e.CodeVersion,
        LogsUrl = e.LogsUrl,
        CancelRequestedAt = e.CancelRequestedAt,
        DurationMs = e.DeliveredAt is { } delivered && e.CompletedAt is { } done && e.Status == "succeeded" ? (done - delivered).TotalMilliseconds : null,
    };
}

/// <summary>A page of executions, newest first; pass <c>nextCursor</c> as <c>cursor</c> for the next (absent on the last page).</summary>
public sealed record ExecutionPage(IReadOnlyList<ExecutionResponse> Items, string? NextCursor);

/// <summary>What a bulk redrive did.</summary>
public sealed record RedriveResult(int Redriven, IReadOnlyList<ExecutionResponse> Executions);
