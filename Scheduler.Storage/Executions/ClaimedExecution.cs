using Scheduler.Common;
using System.Text.Json;
using Scheduler.Common.Delivery;
using Scheduler.Common.Schedules;
using Scheduler.Common.Security;
using Scheduler.Common.Targets;

namespace Scheduler.Storage.Executions;

/// <summary>An execution leased to this executor: deliver it at <see cref="DueAt"/>, not before.</summary>
public sealed class ClaimedExecution
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    /// <summary>Null for a workflow step (it belongs to a run: see <see cref="StepContextJson"/>).</summary>
    public Guid? ScheduleId { get; init; }
    public string ScheduleName { get; init; } = "";
    public DateTimeOffset ScheduledFor { get; init; }
    public string Origin { get; init; } = "";
    public int Occurrences { get; init; }

    /// <summary>This attempt's number (1 for the first).</summary>
    public int Attempt { get; init; }

    public int MaxAttempts { get; init; }
    public string Target { get; init; } = "";

    /// <summary>The schedule's result tracking as the execution copied it; null when a run ends at delivery.</summary>
    public string? CompletionJson { get; init; }

    public bool TracksResult => CompletionJson is not null;

    /// <summary>For a workflow step: its <see cref="StepContext"/> as written when it was created.</summary>
    public string? StepContextJson { get; init; }

    /// <summary>History mode or a backfill: the date the run is for (else its scheduled time).</summary>
    public DateTimeOffset? LogicalDate { get; init; }
    public DateTimeOffset? IntervalStart { get; init; }
    public DateTimeOffset? IntervalEnd { get; init; }
    public string? ParametersJson { get; init; }
    public Guid? BackfillId { get; init; }

    /// <summary>When this attempt may start: the occurrence (plus its jitter), or the retry time.</summary>
    public DateTimeOffset DueAt { get; internal set; }

    public TargetSpec TargetSpec => StoredTargets.Parse(Target);

    /// <summary>
    /// What the target's secrets were encrypted for: the schedule it was copied from, or the workflow step (an execution with
    /// neither was never given secrets, so none decrypts).
    /// </summary>
    public SecretContext SecretContextFor(string field) =>
        ScheduleId is { } schedule ? SecretContext.ScheduleTarget(Tenant, schedule, field)
        : StepContext.FromJson(StepContextJson) is { } step ? SecretContext.WorkflowStepTarget(Tenant, step.WorkflowId, step.StepId, field)
        : new SecretContext(Tenant, "execution", Id.ToString("D"), field.ToLowerInvariant());

    /// <summary>With result tracking: set by the executor before delivery.</summary>
    public TriggerCallback? Callback { get; set; }

    public TriggerContext Trigger => new(Id, ScheduleId, ScheduleName, ScheduledFor, Attempt, Callback, StepContext.FromJson(StepContextJson),
        LogicalDate, IntervalStart is { } start && IntervalEnd is { } end ? new DataInterval(start, end) : null,
        ParametersJson is null ? null : SchedulerJson.ParseStored(ParametersJson), BackfillId);
}
