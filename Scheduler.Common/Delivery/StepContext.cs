using System.Text.Json;

namespace Scheduler.Common.Delivery;

/// <summary>
/// What a workflow step's trigger carries about its run, written when the step's execution is created (so delivering it
/// looks nothing up): the run, the step, the run's parameters and the outputs its upstream steps reported.
/// </summary>
/// <param name="Upstream">Each upstream step's output (as it reported it; null when it reported none).</param>
/// <param name="Interval">The run's data interval, when it has one (started by a timed occurrence, a backfill or in history mode).</param>
/// <param name="UpstreamOmitted">Upstream steps whose outputs did not fit in <see cref="MaxUpstreamBytes"/>: read them from the API.</param>
public sealed record StepContext(
    Guid WorkflowId,
    string Workflow,
    Guid RunId,
    string StepId,
    int RunAttempt,
    DateTimeOffset LogicalDate,
    JsonElement? Parameters,
    IReadOnlyDictionary<string, JsonElement?> Upstream,
    IReadOnlyList<string>? UpstreamOmitted = null,
    Schedules.DataInterval? Interval = null)
{
    /// <summary>The bound on the upstream outputs one trigger carries (each output is at most 16 KiB already).</summary>
    public const int MaxUpstreamBytes = 64 * 1024;

    public string ToJson() => JsonSerializer.Serialize(this, SchedulerJson.Options);

    public static StepContext? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<StepContext>(json, SchedulerJson.Options);
}
