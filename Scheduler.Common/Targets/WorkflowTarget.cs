using System.Text.Json.Serialization;

namespace Scheduler.Common.Targets;

/// <summary>
/// A schedule whose occurrences start runs of a workflow: the timing language (calendars, outages, catch-up, jitter) is
/// the schedule's, and "delivering" an occurrence is starting the run, once per occurrence, in the database.
/// </summary>
public sealed record WorkflowTarget : TargetSpec
{
    /// <summary>The workflow's name, in the schedule's tenant.</summary>
    public required string Workflow { get; init; }

    [JsonIgnore]
    public override string Type => "workflow";

    public override TargetSpec MapSecrets(Func<string, string, string> map) => this;
}
