using Scheduler.Common.Workflows;

namespace Scheduler.Storage.Workflows;

/// <summary>A row of <c>workflow_runs</c>.</summary>
public sealed class RunRecord
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public Guid WorkflowId { get; init; }
    public string WorkflowName { get; init; } = "";
    public int WorkflowVersion { get; init; }
    public string Definition { get; init; } = "[]";
    public string DefinitionHash { get; init; } = "";
    public string Origin { get; init; } = "";
    public Guid? TriggerExecutionId { get; init; }
    public DateTimeOffset LogicalDate { get; init; }
    public string Parameters { get; init; } = "{}";
    public string Status { get; init; } = "";
    public int Attempt { get; init; }
    public DateTimeOffset? CancelRequestedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? IntervalStart { get; init; }
    public DateTimeOffset? IntervalEnd { get; init; }
    public Guid? BackfillId { get; init; }

    public Common.Schedules.DataInterval? Interval => IntervalStart is { } start && IntervalEnd is { } end ? new(start, end) : null;

    /// <summary>The steps the run runs, read from <see cref="Definition"/> once.</summary>
    public IReadOnlyList<StepDefinition> Steps => _steps ??= WorkflowDefinition.StepsFromJson(Definition);

    private IReadOnlyList<StepDefinition>? _steps;
}

/// <summary>A row of <c>workflow_run_attempts</c>: what started an attempt of a run and the steps it runs.</summary>
public sealed class RunAttemptRecord
{
    public int Attempt { get; init; }
    public string Kind { get; init; } = "";
    public string[] Steps { get; init; } = [];
    public string? Requested { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A step's newest execution in a run, as the planner and the upstream outputs need it.</summary>
internal sealed class StepRow
{
    public string StepId { get; init; } = "";
    public string Status { get; init; } = "";
    public string? EndReason { get; init; }
    public int RunAttempt { get; init; }
    public string? OutputJson { get; init; }

    public StepRun ToStepRun() => new(Status, EndReason, RunAttempt);
}
