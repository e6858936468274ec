using Scheduler.Common;
using System.Text.Json;
using Scheduler.Common.Workflows;
using Scheduler.Crud.Api.Executions;
using Scheduler.Storage.Workflows;

namespace Scheduler.Crud.Api.Workflows;

/// <summary>A run of a workflow: what it ran (version and hash), how it stands, and — on a single run — each step.</summary>
public sealed record WorkflowRunResponse
{
    public Guid Id { get; init; }
    public Guid WorkflowId { get; init; }
    public required string WorkflowName { get; init; }
    /// <summary>The workflow's version when the run started; the run keeps it whatever the workflow becomes.</summary>
    public int WorkflowVersion { get; init; }
    /// <summary>The hash of the steps the run runs (the workflow's <c>definitionHash</c> at that version).</summary>
    public required string DefinitionHash { get; init; }
    /// <summary><c>manual</c> (run now), <c>schedule</c> (a schedule's occurrence) or <c>backfill</c>.</summary>
    public required string Origin { get; init; }
    /// <summary>The schedule's execution that started it.</summary>
    public Guid? TriggerExecutionId { get; init; }
    /// <summary>The instant the run is for: the occurrence's scheduled time, or when it was started by hand.</summary>
    public DateTimeOffset LogicalDate { get; init; }
    /// <summary>The data interval the run covers (started by a cron occurrence, a backfill or in history mode with one).</summary>
    public Scheduler.Common.Schedules.DataInterval? DataInterval { get; init; }
    public JsonElement? Parameters { get; init; }
    /// <summary>The backfill it is a run of.</summary>
    public Guid? BackfillId { get; init; }
    /// <summary><c>queued</c> (behind maxActiveRuns), <c>running</c>, <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }
    /// <summary>1, then one more for each resume or rerun.</summary>
    public int Attempt { get; init; }
    public DateTimeOffset? CancelRequestedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Each step's newest state (only on a single run).</summary>
    public IReadOnlyList<RunStepResponse>? Steps { get; init; }
    /// <summary>Each attempt of the run: what started it and the steps it ran (only on a single run).</summary>
    public IReadOnlyList<RunAttemptResponse>? Attempts { get; init; }
    /// <summary>Every execution of the run's steps, over all attempts (only on a single run).</summary>
    public IReadOnlyList<ExecutionResponse>? Executions { get; init; }

    // The steps in dependency order (the order the page and the graph list them in).
    private static IEnumerable<StepDefinition> Ordered(IReadOnlyList<StepDefinition> steps)
    {
        var dag = new Dag(steps);
        return dag.Order.Select(id => dag[id]);
    }

    public static WorkflowRunResponse From(RunRecord run, RunDetails? details = null)
    {
        var latest = details?.Steps.Where(e => e.StepId is not null).GroupBy(e => e.StepId!)
            .ToDictionary(g => g.Key, g => g.MaxBy(e => e.RunAttempt)!, StringComparer.Ordinal);
        return new WorkflowRunResponse
        {
            Id = run.Id,
            WorkflowId = run.WorkflowId,
            WorkflowName = run.WorkflowName,
            WorkflowVersion = run.WorkflowVersion,
            DefinitionHash = run.DefinitionHash,
            Origin = run.Origin,
            TriggerExecutionId = run.TriggerExecutionId,
            LogicalDate = run.LogicalDate,
            Parameters = SchedulerJson.ParseStored(run.Parameters),
            DataInterval = run.Interval,
            BackfillId = run.BackfillId,
            Status = run.Status,
            Attempt = run.Attempt,
            CancelRequestedAt = run.CancelRequestedAt,
            CreatedAt = run.CreatedAt,
            StartedAt = run.StartedAt,
            FinishedAt = run.FinishedAt,
            Steps = latest is null ? null : Ordered(run.Steps).Select(step => RunStepResponse.From(step, latest.GetValueOrDefault(step.Id))).ToList(),
            Attempts = details?.Attempts.Select(a => new RunAttemptResponse(a.Attempt, a.Kind, a.Steps, a.Requested, a.CreatedAt)).ToList(),
            Executions = details?.Steps.Select(e => ExecutionResponse.From(e)).ToList(),
        };
    }
}

/// <summary>A step of a run as it stands now: its newest execution, or <c>waiting</c> when none exists yet.</summary>
/// <param name="Status">The newest execution's status (<c>pending</c>, <c>running</c>, <c>succeeded</c>, <c>dead</c>, <c>skipped</c>, …), or <c>waiting</c> for its upstream steps.</param>
/// <param name="EndReason">For a step that did not succeed: why (<c>upstream-failed</c>, <c>rule-unmet</c>, <c>worker-failed</c>, <c>timed-out</c>, …).</param>
public sealed record RunStepResponse(string StepId, IReadOnlyList<string> DependsOn, string Status, string? EndReason, Guid? ExecutionId, int? RunAttempt,
    int Attempt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, JsonElement? Output)
{
    internal static RunStepResponse From(StepDefinition step, Storage.Executions.ExecutionRecord? e) => e is null
        ? new RunStepResponse(step.Id, step.DependsOn, "waiting", null, null, null, 0, null, null, null)
        : new RunStepResponse(step.Id, step.DependsOn, e.Status, e.EndReason, e.Id, e.RunAttempt, e.Attempt, e.FirstAttemptAt ?? e.DeliveredAt,
            e.CompletedAt, e.OutputJson is null ? null : SchedulerJson.ParseStored(e.OutputJson));
}

/// <summary>One attempt of a run: <c>start</c>, <c>resume</c>, <c>rerun</c> or <c>rerunDownstream</c>, the steps it ran and the step asked for.</summary>
public sealed record RunAttemptResponse(int Attempt, string Kind, IReadOnlyList<string> Steps, string? Requested, DateTimeOffset CreatedAt);

/// <summary>A page of runs, newest first; pass <c>nextCursor</c> as <c>cursor</c> for the next one.</summary>
public sealed record WorkflowRunPage(IReadOnlyList<WorkflowRunResponse> Items, string? NextCursor);

/// <summary>Which step to rerun, and whether everything downstream of it reruns too.</summary>
public sealed record RerunRequest
{
    public string? Step { get; init; }

    /// <summary><c>true</c>: rerun the step and everything downstream of it (default: the step alone).</summary>
    public bool? Downstream { get; init; }
}
