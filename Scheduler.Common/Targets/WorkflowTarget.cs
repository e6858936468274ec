using System.Text.Json.Serialization;
using Scheduler.Common.Schedules;
using Scheduler.Common.Validation;

namespace Scheduler.Common.Targets;

/// <summary>
/// A schedule whose occurrences start runs of a workflow: the timing language (calendars, outages, catch-up, jitter) is
/// the schedule's, and "delivering" an occurrence is starting the run, once per occurrence, in the database.
/// </summary>
public sealed record WorkflowTarget : TargetSpec
{
    public static readonly TargetKind Kind = new WorkflowKind();

    /// <summary>The workflow's name, in the schedule's tenant.</summary>
    public required string Workflow { get; init; }

    [JsonIgnore]
    public override string Type => "workflow";

    [JsonIgnore]
    public override string Summary => $"Start a run of workflow {Workflow}";

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this;

    private sealed class WorkflowKind : TargetKind
    {
        public override string Name => "workflow";
        public override string Label => "Start a workflow run";
        public override IReadOnlyCollection<string> Fields { get; } = ["workflow"];
        public override bool InSteps => false;

        internal override TargetSpec? Validate(TargetRequest target, TargetBasics basics, ValidationErrors errors)
        {
            var name = ScheduleValidator.ValidateName(target.Workflow, "target.workflow", errors);
            return errors.IsValid ? new WorkflowTarget { Workflow = name! } : null;
        }
    }
}
